package audit

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stores returns the back ends to test: SQLite always, PostgreSQL when
// CCG_TEST_POSTGRES holds a DSN.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	out := map[string]Store{}
	s, err := OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = s
	if dsn := os.Getenv("CCG_TEST_POSTGRES"); dsn != "" {
		p, err := OpenPostgres(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.(*sqlStore).db.Exec(`DELETE FROM ccg_audit_event`); err != nil {
			t.Fatal(err)
		}
		out["postgres"] = p
	}
	for _, s := range out {
		t.Cleanup(func() { s.Close() })
	}
	return out
}

func TestOutcomeDesc(t *testing.T) {
	sub := &Event{Kind: KindSubmission, PlanDefinitionID: "folder-1", EncounterID: "e1", Parameters: `{"resourceType":"Parameters"}`}
	if got, want := sub.OutcomeDesc(), `CPGPlanDefinitionApply submission|folder-1|e1|{"resourceType":"Parameters"}`; got != want {
		t.Errorf("submission outcomeDesc = %q, want %q", got, want)
	}
	resp := &Event{Kind: KindResponse, Cards: []string{"http://x/PlanDefinition/a", "http://x/PlanDefinition/b"}}
	if got, want := resp.OutcomeDesc(), "http://x/PlanDefinition/a|http://x/PlanDefinition/b"; got != want {
		t.Errorf("response outcomeDesc = %q, want %q", got, want)
	}
	r := sub.Resource()
	if r["purposeOfEvent"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] != "TREAT" {
		t.Errorf("purposeOfEvent is not TREAT: %v", r["purposeOfEvent"])
	}
	if len(r["agent"].([]any)) != 4 {
		t.Errorf("want 4 agents (source, recipient, custodian, authorizer), got %d", len(r["agent"].([]any)))
	}
}

func TestStore(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			base := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
			add := func(min int, kind, patient, outcome string) string {
				ev := &Event{Kind: kind, Recorded: base.Add(time.Duration(min) * time.Minute), Patient: patient, Outcome: outcome, PlanDefinitionID: "f"}
				rec, err := s.Append(ctx, ev.Resource(), kind, patient)
				if err != nil {
					t.Fatal(err)
				}
				return rec.ID
			}
			a := add(0, KindSubmission, "Patient/p1", "0")
			b := add(1, KindResponse, "Patient/p1", "0")
			c := add(2, KindSubmission, "Patient/p2", "0")
			d := add(60*24, KindResponse, "Patient/p2", "4")
			ids := func(q Query) []string {
				rs, err := s.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				out := []string{}
				for _, r := range rs {
					out = append(out, r.ID)
				}
				return out
			}
			cases := []struct {
				name string
				q    Query
				want []string
			}{
				{"all newest first", Query{}, []string{d, c, b, a}},
				{"patient", Query{Patient: "Patient/p1"}, []string{b, a}},
				{"outcome", Query{Outcome: "4"}, []string{d}},
				{"date range", Query{From: base, To: base.Add(time.Hour)}, []string{c, b, a}},
				{"count", Query{Count: 2}, []string{d, c}},
				{"kind", Query{Kind: KindResponse}, []string{d, b}},
			}
			for _, tc := range cases {
				if diff := cmp.Diff(tc.want, ids(tc.q)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, diff)
				}
			}
			if n, err := s.Total(ctx, Query{Patient: "Patient/p2", Count: 1, After: &Cursor{Recorded: base, ID: a}}); err != nil || n != 2 {
				t.Errorf("Total(p2) = %d, %v; want 2 (Count and After ignored)", n, err)
			}
			// Paging: a page continues after the last record of the one
			// before, and an event appended meanwhile (newer) does not
			// shift it.
			var paged []string
			var after *Cursor
			for i := 0; ; i++ {
				rs, err := s.Search(ctx, Query{Count: 1, After: after})
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) == 0 {
					break
				}
				paged = append(paged, rs[0].ID)
				after = CursorOf(rs[0])
				if i == 0 {
					add(60*48, KindSubmission, "Patient/p3", "0")
				}
			}
			if diff := cmp.Diff([]string{d, c, b, a}, paged); diff != "" {
				t.Errorf("paged (-want +got):\n%s", diff)
			}
			// Same recorded time: ties are ordered by id.
			tie := &Event{Kind: KindSubmission, Recorded: base, Patient: "Patient/p1", PlanDefinitionID: "f"}
			e, err := s.Append(ctx, tie.Resource(), KindSubmission, "Patient/p1")
			if err != nil {
				t.Fatal(err)
			}
			both := ids(Query{From: base, To: base.Add(time.Nanosecond)})
			if len(both) != 2 || !(both[0] == a || both[1] == a) || !(both[0] == e.ID || both[1] == e.ID) {
				t.Fatalf("events at %v: %v, want %s and %s", base, both, a, e.ID)
			}
			if diff := cmp.Diff(both[1:], ids(Query{After: &Cursor{Recorded: base, ID: both[0]}})); diff != "" {
				t.Errorf("tie after %s (-want +got):\n%s", both[0], diff)
			}
			got, err := s.Get(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.Resource["outcomeDesc"].(string), SubmissionPrefix) {
				t.Errorf("stored outcomeDesc = %v", got.Resource["outcomeDesc"])
			}
			if _, err := s.Get(ctx, "nope"); err != ErrNotFound {
				t.Errorf("Get(nope) = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCreateEvent(t *testing.T) {
	cr := &Create{Recorded: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), Created: "Observation/o1", Patient: "Patient/p1", Source: "performer/1", Recipient: "bundle"}
	r := cr.AuditEvent()
	got := map[string]any{"action": r["action"], "type": r["type"].(map[string]any)["code"],
		"subtype": r["subtype"].([]any)[0].(map[string]any)["code"], "outcome": r["outcome"], "recorded": r["recorded"]}
	want := map[string]any{"action": "C", "type": "rest", "subtype": "create", "outcome": "0", "recorded": "2026-02-01T10:00:00Z"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("create event (-want +got):\n%s", d)
	}
	var what, roles []string
	for _, e := range r["entity"].([]any) {
		e := e.(map[string]any)
		what = append(what, e["what"].(map[string]any)["reference"].(string))
		roles = append(roles, e["role"].(map[string]any)["code"].(string))
	}
	if d := cmp.Diff([]string{"Observation/o1", "Patient/p1"}, what); d != "" {
		t.Errorf("entities (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"4", "1"}, roles); d != "" {
		t.Errorf("entity roles (-want +got):\n%s", d)
	}
	for name, s := range stores(t) {
		rec, err := s.Append(context.Background(), r, KindCreate, cr.Patient)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rs, err := s.Search(context.Background(), Query{Kind: KindCreate}); err != nil || len(rs) != 1 || rs[0].ID != rec.ID {
			t.Errorf("%s: search create: %v %v", name, rs, err)
		}
	}
}
