package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
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
	// request ids are new UUIDs in every answer
	const id = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	for _, want := range []string{`round 1: 5 recommended actions`, `Task/` + id + ` -> updated MedicationRequest/mr-old \(stopped\)`,
		`Task/` + id + ` -> recorded Observation/observation-` + id + `-1 \(final\)`, `round 6: 0 recommended actions`,
		// A Condition has no status: its verification and clinical status
		// are shown, never an empty "()".
		`Task/` + id + ` -> recorded Condition/condition-` + id + `-2 \(confirmed, active\)`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	st, err := audit.OpenSQLite(context.Background(), auditDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func(kind string) []audit.Record {
		t.Helper()
		recs, err := st.Search(context.Background(), audit.Query{Patient: "Patient/p1", Kind: kind, Count: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if n, m := len(count(audit.KindSubmission)), len(count(audit.KindResponse)); n != 6 || m != 6 {
		t.Errorf("performer audit: %d submissions and %d responses, want 6 each (6 rounds)", n, m)
	}
	// One BALP create per new Resulting Data resource ("-> recorded"),
	// none for the updates ("-> updated").
	var created []string
	for _, line := range strings.Split(out.String(), "\n") {
		if _, after, ok := strings.Cut(line, " -> recorded "); ok {
			created = append(created, strings.Fields(after)[0])
		}
	}
	if strings.Contains(out.String(), "()") {
		t.Errorf("a Resulting Data line without a status:\n%s", out.String())
	}
	if len(created) == 0 {
		t.Fatalf("no Resulting Data was recorded:\n%s", out.String())
	}
	var audited []string
	for _, r := range count(audit.KindCreate) {
		ae := r.Resource
		if fj.Str(ae, "action") != "C" || fj.Str(fj.Obj(ae, "type"), "code") != "rest" ||
			fj.Str(fj.Objs(ae, "subtype")[0], "code") != "create" || r.Outcome != audit.OutcomeSuccess {
			t.Errorf("create event %s: action %v, type %v, subtype %v, outcome %s", r.ID, ae["action"], ae["type"], ae["subtype"], r.Outcome)
		}
		var what []string
		for _, en := range fj.Objs(ae, "entity") {
			what = append(what, fj.Str(fj.Obj(en, "what"), "reference"))
		}
		if len(what) != 2 || what[1] != "Patient/p1" {
			t.Errorf("create event %s: entities %v, want the created resource and Patient/p1", r.ID, what)
			continue
		}
		audited = append(audited, what[0])
	}
	sort.Strings(created)
	sort.Strings(audited)
	if d := cmp.Diff(created, audited); d != "" {
		t.Errorf("created resources audited (-created +audited):\n%s", d)
	}
	// an unknown PlanDefinition is reported with the engine's OperationOutcome
	out.Reset()
	errb.Reset()
	code = run(context.Background(), env, []string{"perform", "--engine", srv.URL, "--plan", "nope", "--data", "../../testdata/apply/data-in/patient-1.json"})
	if code != exitFailure || !strings.Contains(errb.String(), "HTTP 404") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// perform sends --param values to $apply as its "parameters".
func TestPerformParam(t *testing.T) {
	eng := engine.New(engine.Options{})
	if _, err := eng.LoadPath("../../testdata/apply/package", content.Options{}); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	httpapi.Mount(e, httpapi.Config{Engine: eng})
	srv := httptest.NewServer(e)
	defer srv.Close()
	data := bpDataIn(t)
	for _, tc := range []struct {
		param, want string
	}{
		{"", "round 1: 9 recommended actions"},
		{"Systolic Threshold=500 'mm[Hg]'", "round 1: 4 recommended actions"},
	} {
		var out, errb bytes.Buffer
		env := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		args := []string{"perform", "--engine", srv.URL, "--plan", "ccgtest-folder", "--data", data, "--max-rounds", "1"}
		if tc.param != "" {
			args = append(args, "--param", tc.param)
		}
		run(context.Background(), env, args)
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("--param %q: output lacks %q:\n%s\n%s", tc.param, tc.want, out.String(), errb.String())
		}
	}
}

// perform --strict-data refuses a data-in Bundle whose values break a FHIR
// primitive's JSON type rule before calling the engine.
func TestPerformStrictData(t *testing.T) {
	raw, err := os.ReadFile(bpDataIn(t))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data.json")
	bad := strings.Replace(string(raw), `"8480-6"`, `8480`, 1)
	if bad == string(raw) {
		t.Fatal("the systolic code was not found")
	}
	if err := os.WriteFile(data, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	env := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := run(context.Background(), env, []string{"perform", "--engine", "http://127.0.0.1:1", "--plan", "ccgtest-folder",
		"--data", data, "--strict-data"})
	if code != exitFailure || !strings.Contains(errb.String(), "Observation/bp1 at Observation.code.coding[0].code: FHIR.code expects a JSON string, found a number") {
		t.Errorf("exit %d, stderr %s", code, errb.String())
	}
}
