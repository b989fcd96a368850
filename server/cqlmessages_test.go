package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// messagesOf returns the "_messages" parameter's resource of a $cql answer
// (nil when there is none) and checks the answer has a return parameter.
func messagesOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var p struct {
		Parameter []struct {
			Name     string         `json:"name"`
			Resource map[string]any `json:"resource"`
		} `json:"parameter"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	var out map[string]any
	sawReturn := false
	for _, x := range p.Parameter {
		switch x.Name {
		case "return":
			sawReturn = true
		case messagesParameterName:
			out = x.Resource
		default:
			t.Errorf("unexpected parameter %q", x.Name)
		}
	}
	if !sawReturn {
		t.Errorf("no return parameter in %s", body)
	}
	return out
}

func TestCQLMessages(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct {
		name string
		expr string
		want map[string]any // nil: no _messages parameter
	}{
		{"none", "1 + 1", nil},
		{"condition false", "Message(1, false, 'W', 'Warning', 'no')", nil},
		{"warning and trace", "Message(1, true, 'W1', 'Warning', 'careful') +\n  Message(2, true, 'T1', 'Trace', 'two')",
			map[string]any{"resourceType": "OperationOutcome", "issue": []any{
				map[string]any{"severity": "warning", "code": "informational",
					"diagnostics": "expression:1:1: Warning: W1: careful",
					"location":    []any{"line 1, column 1"}, "expression": []any{"Parameters.parameter[0].valueString"}},
				map[string]any{"severity": "information", "code": "informational",
					"diagnostics": "expression:2:3: Trace: T1: two",
					"location":    []any{"line 2, column 3"}, "expression": []any{"Parameters.parameter[0].valueString"}},
			}}},
		{"message severity", "Message('x', 1 < 2, '100', 'Message', 'Test Message')",
			map[string]any{"resourceType": "OperationOutcome", "issue": []any{
				map[string]any{"severity": "information", "code": "informational",
					"diagnostics": "expression:1:1: Message: 100: Test Message",
					"location":    []any{"line 1, column 1"}, "expression": []any{"Parameters.parameter[0].valueString"}},
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postCQL(t, s, tc.expr)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", status, body)
			}
			if diff := cmp.Diff(tc.want, messagesOf(t, body)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCQLMessagesBounded(t *testing.T) {
	s, _ := newTestServer(t)
	status, body := postCQL(t, s, "Count(from ({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) A, ({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) B return all Message(A, true, 'T', 'Trace', 'row'))")
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	oo := messagesOf(t, body)
	issues, _ := oo["issue"].([]any)
	if len(issues) != maxCQLMessages+1 {
		t.Fatalf("%d issues, want %d", len(issues), maxCQLMessages+1)
	}
	last, _ := issues[maxCQLMessages].(map[string]any)
	if d, _ := last["diagnostics"].(string); !strings.Contains(d, "10 more messages were not returned") {
		t.Errorf("last issue %v", last)
	}
}
