package measure_test

import (
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// checkR4 fails t unless report is a valid R4 resource, as an independent
// implementation (Google's FHIR protocol buffers) reads it.
func checkR4(t testing.TB, report map[string]any) {
	t.Helper()
	b, err := fj.MarshalCompact(report)
	if err != nil {
		t.Fatal(err)
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.UnmarshalR4(b); err != nil {
		t.Errorf("MeasureReport is not valid R4: %v\n%s", err, b)
	}
}
