package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
)

// TestTrustedCCGApply: with the Trusted CCG option an unsigned package's
// Folder is not applicable (no CARD fires, the reason is a CARD error),
// and the same package signed by a trusted key applies normally.
func TestTrustedCCGApply(t *testing.T) {
	key, _ := sign.GenerateKey()
	kr := sign.Keyring{}
	kr.Add(key.Public)
	opts := content.Options{RequireIG: true, TrustedCCG: true, TrustedKeys: kr}
	unsigned := testpkg.Files(testpkg.Options{Name: "ccg.trust.apply"})
	signed, err := sign.SignPackage(unsigned, key, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	patient := map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{
		map[string]any{"fullUrl": "Patient/p1", "resource": map[string]any{"resourceType": "Patient", "id": "p1"}},
	}}
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		fires bool
	}{{"unsigned", unsigned, false}, {"signed", signed, true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := engine.New(engine.Options{})
			tgz, _ := fhirpkg.WriteTarball(tc.files)
			fp, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.LoadFHIRPackage(fp, "test", opts); err != nil {
				t.Fatal(err)
			}
			res, err := e.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "test-folder", Subject: "Patient/p1", Data: patient, Lenient: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Fired) > 0; got != tc.fires {
				t.Errorf("fired %v, want CARDs fired: %v", res.Fired, tc.fires)
			}
			notApplicable := false
			for _, ce := range res.Errors {
				notApplicable = notApplicable || strings.Contains(ce.Message, "not applicable")
			}
			if notApplicable == tc.fires {
				t.Errorf("CARD errors %+v", res.Errors)
			}
		})
	}
}
