package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
	"github.com/ccg-project/ccg/server/auth"
	"github.com/ccg-project/ccg/server/auth/authtest"
)

// With authentication on, the AuditEvents of $apply name the caller the
// token authenticated, not the performer the request claims to be; the
// claim is kept as the agent's name. Without authentication they name the
// claimed performer, as before.
func TestApplyAuditNamesAuthenticatedCaller(t *testing.T) {
	iss := authtest.NewIssuer(t)
	o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: iss.URL(), Audience: "ccg-test"})
	if err != nil {
		t.Fatal(err)
	}
	hook, ccgToken := guarded(t, o)
	jwt := iss.Token(t, "dr-jwt", "ccg-test", auth.ScopeEvaluate, time.Now(), time.Hour)
	body, err := fj.MarshalCompact(params("Patient/p1", "Encounter/e1", dataIn(t)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, token             string
		hook                    bool
		wantIssuer, wantSubject string
		wantClient              string
	}{
		{"ccg token", ccgToken, true, auth.OwnIssuer, "bench", ""},
		{"JWT", jwt, true, iss.URL(), "dr-jwt", "test-client"},
		{"auth off", "", false, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s *testServer
			if c.hook {
				s = newServerB(t, hook)
			} else {
				s = newServerB(t)
			}
			req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/PlanDefinition/ccgtest-folder/$apply", bytes.NewReader(body))
			req.Header.Set("Content-Type", httpapi.MediaType)
			req.Header.Set("X-CCG-Performer", "someone-else/1.0")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, kind := range []string{audit.KindSubmission, audit.KindResponse} {
				recs, err := s.audit.Search(context.Background(), audit.Query{Kind: kind})
				if err != nil || len(recs) != 1 {
					t.Fatalf("%s events: %d, %v", kind, len(recs), err)
				}
				agent := fj.Objs(recs[0].Resource, "agent")[0]
				if agent["requestor"] != true {
					t.Fatalf("%s: the first agent is not the requestor: %v", kind, agent)
				}
				who := fj.Obj(agent, "who")
				if c.wantSubject == "" {
					if got := fj.Str(who, "display"); got != "someone-else/1.0" {
						t.Errorf("%s: who = %v, want the claimed performer", kind, who)
					}
					continue
				}
				id := fj.Obj(who, "identifier")
				if fj.Str(id, "system") != c.wantIssuer || fj.Str(id, "value") != c.wantSubject || fj.Str(who, "display") != c.wantSubject {
					t.Errorf("%s: who = %v, want %s|%s", kind, who, c.wantIssuer, c.wantSubject)
				}
				if got := fj.Str(agent, "altId"); got != c.wantClient {
					t.Errorf("%s: agent altId = %q, want %q", kind, got, c.wantClient)
				}
				if got := fj.Str(agent, "name"); got != "someone-else/1.0" {
					t.Errorf("%s: agent name = %q, want the claimed performer", kind, got)
				}
			}
		})
	}
}
