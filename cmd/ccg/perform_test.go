package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/httpapi"
)

func TestPerformCommand(t *testing.T) {
	eng := engine.New(engine.Options{})
	if _, err := eng.LoadPath("../../testdata/apply/package", content.Options{}); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	httpapi.Mount(e, httpapi.Config{Engine: eng})
	srv := httptest.NewServer(e)
	defer srv.Close()
	auditDir := t.TempDir()
	var out, errb bytes.Buffer
	env := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := run(context.Background(), env, []string{"perform", "--engine", srv.URL, "--plan", "ccgtest-folder",
		"--data", "../../testdata/apply/data-in/patient-1.json", "--out", t.TempDir() + "/final.json", "--audit", auditDir})
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	for _, want := range []string{"round 1: 5 recommended actions", "Task/ad-stoprx -> updated MedicationRequest/mr-old (stopped)",
		"Task/ad-collect -> recorded Observation/observation-ad-collect-1 (final)", "round 6: 0 recommended actions"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	st, err := audit.OpenSQLite(context.Background(), auditDir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Search(context.Background(), audit.Query{Patient: "Patient/p1"})
	st.Close()
	if err != nil || len(recs) != 12 {
		t.Errorf("performer audit: %d events (want 12: 6 rounds x submission+response), %v", len(recs), err)
	}
	// an unknown PlanDefinition is reported with the engine's OperationOutcome
	out.Reset()
	errb.Reset()
	code = run(context.Background(), env, []string{"perform", "--engine", srv.URL, "--plan", "nope", "--data", "../../testdata/apply/data-in/patient-1.json"})
	if code != exitFailure || !strings.Contains(errb.String(), "HTTP 404") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
