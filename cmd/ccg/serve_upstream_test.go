package main

import (
	"strings"
	"testing"
)

func TestServeUpstreamFlag(t *testing.T) {
	for _, tc := range []struct{ arg, msg string }{
		{"fhir", "want NAME=URL"},
		{"fhir=packages.fhir.org", "not an http(s) URL"},
		{"fhir=https://packages.fhir.org;timeout=soon", `bad timeout "soon"`},
		{"fhir=https://packages.fhir.org;token-env=CCG_TEST_UNSET_TOKEN", "CCG_TEST_UNSET_TOKEN (token-env) is empty"},
	} {
		code, _, errOut := ccg(t, "serve", "--data", t.TempDir(), "--upstream", tc.arg)
		if code != exitUsage || !strings.Contains(errOut, tc.msg) {
			t.Errorf("--upstream %s: exit %d, %s", tc.arg, code, errOut)
		}
	}
}
