package main

import (
	"strings"
	"testing"
)

func TestCQLIntervalFlags(t *testing.T) {
	const file = "../../testdata/cql/intervals/Promotion.cql"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "eval off", args: []string{"cql", "eval", file}, wantCode: exitFailure, wantErr: "[no-matching-overload]"},
		{name: "eval promotion only", args: []string{"cql", "eval", file, "--interval-promotion"}, wantCode: exitFailure,
			wantErr: "operator Add with signature (Interval<System.Integer>, System.Integer)"},
		{name: "eval both", args: []string{"cql", "eval", file, "--interval-promotion", "--interval-demotion"},
			wantCode: exitOK, wantOut: "Overlaps Point: true\nPoint Plus One: 6\n"},
		{name: "eval demotion expr", args: []string{"cql", "eval", file, "--interval-promotion", "--interval-demotion", "--expr", "Point Plus One"},
			wantCode: exitOK, wantOut: "6\n"},
		{name: "check off", args: []string{"cql", "check", file}, wantCode: exitFailure, wantErr: "1 of 1 files have errors (2 errors)"},
		{name: "check demotion only", args: []string{"cql", "check", file, "--interval-demotion"}, wantCode: exitFailure,
			wantErr: "1 of 1 files have errors (1 errors)"},
		{name: "check both", args: []string{"cql", "check", file, "--interval-promotion", "--interval-demotion"},
			wantCode: exitOK, wantOut: "1 files ok\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ccg(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.wantCode, errOut)
			}
			if tc.wantOut != "" && out != tc.wantOut {
				t.Errorf("stdout %q, want %q", out, tc.wantOut)
			}
			if tc.wantErr != "" && !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.wantErr)
			}
		})
	}
}

func TestCQLEvalPrintsMessages(t *testing.T) {
	const file = "../../testdata/cql/messages.cql"
	code, out, errOut := ccg(t, "cql", "eval", file, "--expr", "Steps")
	if code != exitOK || out != "{1, 2}\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if want := file + ":5:17: Trace: T1: steps computed\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}
