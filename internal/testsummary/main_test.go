package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	pkg := "github.com/ccg-project/ccg/cql/conformance"
	for _, ev := range []event{
		{Action: "run", Package: pkg, Test: "TestA"},
		{Action: "output", Package: pkg, Test: "TestA", Output: "=== RUN   TestA\n"},
		{Action: "output", Package: pkg, Test: "TestA", Output: "    suite_test.go:12: the suite is not at ../shared (set CCG_CQL_TESTS)\n"},
		{Action: "output", Package: pkg, Test: "TestA", Output: "--- SKIP: TestA (0.00s)\n"},
		{Action: "skip", Package: pkg, Test: "TestA"},
		{Action: "run", Package: pkg, Test: "TestB"},
		{Action: "output", Package: pkg, Test: "TestB", Output: "    b_test.go:3: boom\n"},
		{Action: "fail", Package: pkg, Test: "TestB"},
		{Action: "output", Package: pkg, Test: "TestC", Output: "noise\n"},
		{Action: "pass", Package: pkg, Test: "TestC"},
		{Action: "output", Package: pkg, Output: "FAIL\tgithub.com/ccg-project/ccg/cql/conformance\t0.1s\n"},
	} {
		b, _ := json.Marshal(ev)
		var back event
		json.Unmarshal(b, &back)
		s.add(back)
	}
	s.report()
	got := out.String()
	for _, want := range []string{
		"    b_test.go:3: boom\n",
		"FAIL\tgithub.com/ccg-project/ccg/cql/conformance",
		"  the suite is not at ../shared (set CCG_CQL_TESTS)\n      cql/conformance.TestA\n",
		"tests: 1 passed, 1 failed, 1 skipped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "noise") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
}
