package datain

import (
	"os"
	"path/filepath"
	"testing"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// FuzzCheck validates arbitrary JSON as a data-in Bundle, with arbitrary
// subject and encounter references, strictly and leniently, and exercises
// the other entry points on whatever Check returned. Nothing may panic.
// Run with:
//
//	go test -run '^$' -fuzz=FuzzCheck -fuzztime=3m ./engine/datain
func FuzzCheck(f *testing.F) {
	// Few, compact seeds: one patient of each example besides the
	// fixture (the examples' data-in files are 20-28 KB of indented JSON,
	// and every byte of a seed is paid for on every execution).
	files := []string{filepath.Join("..", "..", "testdata", "apply", "data-in", "patient-1.json")}
	for _, ex := range []string{"diabetes", "hypertension"} {
		if fs, _ := filepath.Glob(filepath.Join("..", "..", "examples", ex, "data-in", "*.json")); len(fs) > 0 {
			files = append(files, fs[0])
		}
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		m, err := fj.DecodeObj(b)
		if err != nil {
			f.Fatal(err)
		}
		subject, encounter, _ := Defaults(m)
		compact, err := fj.MarshalCompact(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(compact), subject, encounter)
	}
	for _, seed := range [][3]string{
		{`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Composition","subject":{"reference":"urn:uuid:x"}}},{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Patient","id":"q"}}]}},{"resource":{"resourceType":"Patient","id":"p"}}]}`, "Patient/p", ""},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Encounter","id":"e","status":"in-progress","period":{"end":1},"subject":{"reference":7}}}]}`, "Patient/", "Encounter/e"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Encounter","id":"e","period":"x"}}]}`, "Patient/p", "Encounter/e"},
		{`{"resourceType":"Bundle","entry":"x"}`, "p", "e"},
		{`{"resourceType":"Bundle","entry":[null,1,{"resource":[]},{"resource":{"resourceType":"CarePlan","activity":[{"detail":{"instantiatesCanonical":[1,null,""]}}]}}]}`, "Patient/p", "Encounter/"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p"}}]}}]}}]}`, "Patient/p", "Encounter/e"},
		{`{"resourceType":"Parameters"}`, "", ""}, {`[]`, "", ""}, {`null`, "", ""}, {`{}`, "Patient/p", "Encounter/e"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, body, subject, encounter string) {
		m, err := fj.DecodeObj([]byte(body))
		if err != nil {
			return
		}
		for _, lenient := range []bool{false, true} {
			d, _ := Check(m, subject, encounter, Options{Lenient: lenient})
			if d != nil {
				d.Resolve(subject)
				d.Resolve(encounter)
				d.Resources("Patient")
			}
		}
		Defaults(m)
		NormalizeRef("Patient", subject)
		NormalizeRef("Encounter", encounter)
	})
}
