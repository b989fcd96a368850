package main

import (
	"strings"
	"testing"
)

func TestMeasureEval(t *testing.T) {
	base := []string{"measure", "eval", "--package", "../../examples/measure", "--measure", "diabetes-hba1c"}
	data := "../../examples/diabetes/data-in"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"population over a folder", append(base, "--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", data), exitOK, `"type": "summary"`},
		{"subject list", append(base, "--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", data, "--report-type", "subject-list"), exitOK, `"resourceType": "List"`},
		{"by canonical", []string{"measure", "eval", "--package", "../../examples/measure", "--measure", "http://example.org/ccg/Measure/diabetes-hba1c",
			"--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", data}, exitOK, `"count": 8`},
		{"unknown measure", []string{"measure", "eval", "--package", "../../examples/measure", "--measure", "nosuch",
			"--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", data}, exitFailure, "Measure nosuch is in no loaded package"},
		{"bad period", append(base, "--period-start", "2026-02-30", "--period-end", "2026-12-31", "--data", data), exitFailure, "periodStart"},
		{"individual without a subject", append(base, "--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", data, "--report-type", "individual"), exitFailure, "exactly one subject"},
		{"missing flags", base, exitUsage, "are required"},
		{"missing data", append(base, "--period-start", "2026-01-01", "--period-end", "2026-12-31", "--data", "nosuch.json"), exitFailure, "nosuch.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ccg(t, tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("ccg %v: exit %d (want %d), output lacks %q:\n%s%s", tc.args, code, tc.code, tc.want, out, errOut)
			}
		})
	}
}
