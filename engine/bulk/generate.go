package bulk

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// Code systems of the generated data.
const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
	rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	ucum   = "http://unitsofmeasure.org"
)

// GenerateOptions configure the synthetic population.
type GenerateOptions struct {
	// Patients is the population size; Seed makes it reproducible (the
	// same seed gives the same patients, patient i does not depend on N).
	Patients int
	Seed     uint64
	// Practitioners shared by the population (0: 20).
	Practitioners int
	// BadLines malformed or unresolvable lines are planted among the
	// resource lines, for dead-letter tests.
	BadLines int
	// Gzip writes Type.ndjson.gz instead of Type.ndjson.
	Gzip bool
}

// GenerateSummary says what Generate wrote.
type GenerateSummary struct {
	// Files maps each file name written to its number of lines.
	Files map[string]int
	// Resources is the number of resource lines, BadLines the planted ones.
	Resources, BadLines int
}

// EncounterStart is when every generated present Encounter starts; the
// resources of a patient are dated before it.
var EncounterStart = time.Date(2026, 11, 17, 8, 30, 0, 0, time.UTC)

// Patient returns the resources of generated patient i (0-based) of seed:
// the Patient, the in-progress Encounter, then its clinical resources.
// They are shaped like the data-in of the 13-CARD test Folder
// (testdata/apply) and the hypertension example, with shares chosen so that
// every CARD fires for part of the population: systolic blood pressures
// (some high, some missing), hypertension, amlodipine orders with and
// without dispenses and administrations, an active hydrochlorothiazide
// order or old service request, lab/imaging/referral orders,
// immunizations and communications. About one patient in eight has a heart-rate Observation
// that names only its Encounter (no subject), as some exports do.
func Patient(seed uint64, i, practitioners int) []map[string]any {
	if practitioners <= 0 {
		practitioners = 20
	}
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	pid := fmt.Sprintf("pat-%06d", i)
	pref := "Patient/" + pid
	encID := "enc-" + pid
	day := func(daysBefore int) string {
		return EncounterStart.AddDate(0, 0, -daysBefore).Format("2006-01-02")
	}
	gender := []string{"female", "male"}[r.IntN(2)]
	given := map[string][]string{"female": {"Ana", "Mei", "Zola", "Ines", "Priya", "Olga"}, "male": {"Tomas", "Kofi", "Arjun", "Liam", "Yusuf", "Ivan"}}[gender]
	family := []string{"Nowak", "Okafor", "Silva", "Tanaka", "Haddad", "Berg", "Moreau", "Khan"}
	out := []map[string]any{
		{"resourceType": "Patient", "id": pid,
			"identifier": []any{map[string]any{"system": "https://ccg.example.org/fhir/ids/mrn", "value": fmt.Sprintf("SYN-%06d", i)}},
			"name":       []any{map[string]any{"family": family[r.IntN(len(family))], "given": []any{given[r.IntN(len(given))]}}},
			"gender":     gender, "birthDate": fmt.Sprintf("%d-%02d-%02d", 1940+r.IntN(66), 1+r.IntN(12), 1+r.IntN(28))},
		{"resourceType": "Encounter", "id": encID, "status": "in-progress",
			"class":       fj.Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
			"subject":     fj.Reference(pref),
			"period":      map[string]any{"start": EncounterStart.Format(time.RFC3339)},
			"participant": []any{map[string]any{"individual": fj.Reference(fmt.Sprintf("Practitioner/prac-%03d", r.IntN(practitioners)))}}},
	}
	n := 0
	add := func(res map[string]any) {
		n++
		res["id"] = fmt.Sprintf("%s-%s-%d", strings.ToLower(fj.Type(res)), pid, n)
		if _, ok := res["subject"]; !ok && fj.Type(res) != "Observation" && fj.Type(res) != "Immunization" {
			res["subject"] = fj.Reference(pref)
		}
		out = append(out, res)
	}
	// Systolic blood pressure: none for 20%, otherwise 1-3 readings, high
	// (over 140 mm[Hg]) for about 45% of those measured.
	if r.Float64() >= 0.2 {
		high := r.Float64() < 0.45
		for k := 1 + r.IntN(3); k > 0; k-- {
			v := 105 + r.IntN(34)
			if high {
				v = 142 + r.IntN(40)
			}
			add(map[string]any{"resourceType": "Observation", "status": "final", "subject": fj.Reference(pref),
				"code": fj.Concept(loinc, "8480-6", "Systolic blood pressure"), "effectiveDateTime": day(1 + r.IntN(300)),
				"valueQuantity": map[string]any{"value": v, "unit": "mmHg", "system": ucum, "code": "mm[Hg]"}})
		}
	}
	// Other observations, not read by the CARDs (body weight).
	for k := r.IntN(4); k > 0; k-- {
		add(map[string]any{"resourceType": "Observation", "status": "final", "subject": fj.Reference(pref),
			"code": fj.Concept(loinc, "29463-7", "Body weight"), "effectiveDateTime": day(r.IntN(700)),
			"valueQuantity": map[string]any{"value": 50 + r.IntN(60), "unit": "kg", "system": ucum, "code": "kg"}})
	}
	if r.IntN(8) == 0 {
		add(map[string]any{"resourceType": "Observation", "status": "final", "encounter": fj.Reference("Encounter/" + encID),
			"code": fj.Concept(loinc, "8867-4", "Heart rate"), "effectiveDateTime": EncounterStart.Format(time.RFC3339),
			"valueQuantity": map[string]any{"value": 55 + r.IntN(50), "unit": "/min", "system": ucum, "code": "/min"}})
	}
	if r.Float64() < 0.4 {
		add(map[string]any{"resourceType": "Condition", "code": fj.Concept(snomed, "38341003", "Hypertensive disorder"),
			"clinicalStatus": fj.Concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", ""),
			"onsetDateTime":  day(30 + r.IntN(2000))})
	}
	if r.Float64() < 0.35 {
		add(medRequest("17767", "amlodipine", "active", day(10+r.IntN(200))))
		if r.Float64() < 0.5 {
			add(map[string]any{"resourceType": "MedicationDispense", "status": "completed",
				"medicationCodeableConcept": fj.Concept(rxnorm, "17767", "amlodipine"), "whenHandedOver": day(5 + r.IntN(5))})
			if r.Float64() < 0.5 {
				add(map[string]any{"resourceType": "MedicationAdministration", "status": "completed",
					"medicationCodeableConcept": fj.Concept(rxnorm, "17767", "amlodipine"), "effectiveDateTime": day(1 + r.IntN(4))})
			}
		}
	}
	if r.Float64() < 0.15 {
		status := "active"
		if r.IntN(3) == 0 {
			status = "completed"
		}
		add(medRequest("5487", "hydrochlorothiazide", status, day(100+r.IntN(500))))
	}
	for _, sr := range []struct {
		system, code, display string
		share                 float64
	}{
		{loinc, "4548-4", "Hemoglobin A1c", 0.3},
		{snomed, "399208008", "Chest X-ray", 0.3},
		{snomed, "29303009", "ECG", 0.3},
		{snomed, "183519002", "Cardiology referral", 0.25},
		{snomed, "268556000", "Old service", 0.1},
	} {
		if r.Float64() < sr.share {
			add(map[string]any{"resourceType": "ServiceRequest", "status": "active", "intent": "order",
				"code": fj.Concept(sr.system, sr.code, sr.display), "authoredOn": day(1 + r.IntN(90))})
		}
	}
	if r.Float64() < 0.6 {
		add(map[string]any{"resourceType": "Immunization", "status": "completed", "patient": fj.Reference(pref),
			"vaccineCode":        fj.Concept("http://hl7.org/fhir/sid/cvx", "141", "Influenza, seasonal, injectable"),
			"occurrenceDateTime": day(30 + r.IntN(300))})
	}
	if r.Float64() < 0.5 {
		add(map[string]any{"resourceType": "Communication", "status": "completed", "sent": day(r.IntN(365)),
			"payload": []any{map[string]any{"contentString": "Lifestyle advice given."}}})
	}
	return out
}

func medRequest(code, display, status, authored string) map[string]any {
	return map[string]any{"resourceType": "MedicationRequest", "status": status, "intent": "order",
		"medicationCodeableConcept": fj.Concept(rxnorm, code, display), "authoredOn": authored}
}

// Practitioner is shared practitioner k of the population.
func Practitioner(k int) map[string]any {
	return map[string]any{"resourceType": "Practitioner", "id": fmt.Sprintf("prac-%03d", k),
		"identifier": []any{map[string]any{"system": "https://ccg.example.org/fhir/ids", "value": fmt.Sprintf("PRAC-%03d", k)}},
		"name":       []any{map[string]any{"text": fmt.Sprintf("Practitioner %d", k)}}}
}

// DataIn returns the CCG data-in Bundle of generated patient i, shaped like
// the examples' data-in: the in-progress Encounter and its Practitioner,
// then the IPS document (Composition, Patient, the clinical resources). It
// is the Bundle a point-of-care `ccg apply` would receive for the patient
// (its numbers are Go ints: encode it, or decode with fhirjson, before
// giving it to the engine).
func DataIn(seed uint64, i, practitioners int) map[string]any {
	if practitioners <= 0 {
		practitioners = 20
	}
	res := Patient(seed, i, practitioners)
	enc := res[1]
	prac := fj.Str(fj.Obj(fj.Objs(enc, "participant")[0], "individual"), "reference")
	_, pid, _ := fj.SplitRef(prac)
	var k int
	fmt.Sscanf(pid, "prac-%d", &k)
	return assemble(res[0], []map[string]any{enc, Practitioner(k)}, res[2:])
}

// Generate writes a synthetic population to dir as FHIR Bulk Data NDJSON,
// one file per resource type (Patient.ndjson, Encounter.ndjson, ...), as a
// $export writes it. Planted bad lines (opts.BadLines) are spread over the
// files: broken JSON, JSON that is not a resource, a resource without a
// resourceType and an Observation naming an Encounter that does not exist.
func Generate(dir string, opts GenerateOptions) (*GenerateSummary, error) {
	if opts.Patients < 0 {
		return nil, fmt.Errorf("the number of patients must not be negative")
	}
	if opts.Practitioners <= 0 {
		opts.Practitioners = 20
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &ndjsonFiles{dir: dir, gzip: opts.Gzip, files: map[string]*ndjsonFile{}}
	defer w.abort()
	sum := &GenerateSummary{Files: map[string]int{}}
	for k := 0; k < opts.Practitioners; k++ {
		if err := w.write("Practitioner", Practitioner(k)); err != nil {
			return nil, err
		}
		sum.Resources++
	}
	// Bad line b goes after patient (b+1)*N/(B+1).
	nextBad := func(b int) int { return (b + 1) * opts.Patients / (opts.BadLines + 1) }
	bad := 0
	for i := 0; i < opts.Patients; i++ {
		for _, res := range Patient(opts.Seed, i, opts.Practitioners) {
			if err := w.write(fj.Type(res), res); err != nil {
				return nil, err
			}
			sum.Resources++
		}
		for bad < opts.BadLines && nextBad(bad) <= i {
			if err := w.writeBad(bad); err != nil {
				return nil, err
			}
			bad++
		}
	}
	for ; bad < opts.BadLines; bad++ {
		if err := w.writeBad(bad); err != nil {
			return nil, err
		}
	}
	sum.BadLines = bad
	if err := w.close(); err != nil {
		return nil, err
	}
	for name, f := range w.files {
		sum.Files[name] = f.lines
	}
	return sum, nil
}

// badLines are the kinds of planted bad lines, by the file they go in.
var badLines = []struct{ typ, line string }{
	{"Observation", `{"resourceType": "Observation", "id": "broken", "status": "fin`},
	{"Condition", `["not", "a", "resource"]`},
	{"MedicationRequest", `{"id": "no-type", "status": "active"}`},
	{"Observation", `{"resourceType": "Observation", "id": "orphan", "status": "final", "encounter": {"reference": "Encounter/does-not-exist"}}`},
}

// PlantedLines are the texts of the bad lines Generate plants.
func PlantedLines() []string {
	out := make([]string, len(badLines))
	for i, b := range badLines {
		out[i] = b.line
	}
	return out
}

type ndjsonFiles struct {
	dir   string
	gzip  bool
	files map[string]*ndjsonFile
}

type ndjsonFile struct {
	f     *os.File
	gz    *gzip.Writer
	w     *bufio.Writer
	lines int
}

func (n *ndjsonFiles) file(typ string) (*ndjsonFile, error) {
	name := typ + ".ndjson"
	if n.gzip {
		name += ".gz"
	}
	if f := n.files[name]; f != nil {
		return f, nil
	}
	f, err := os.Create(filepath.Join(n.dir, name))
	if err != nil {
		return nil, err
	}
	nf := &ndjsonFile{f: f}
	var dst io.Writer = f
	if n.gzip {
		nf.gz = gzip.NewWriter(f)
		dst = nf.gz
	}
	nf.w = bufio.NewWriterSize(dst, 1<<16)
	n.files[name] = nf
	return nf, nil
}

func (n *ndjsonFiles) writeLine(typ string, line []byte) error {
	f, err := n.file(typ)
	if err != nil {
		return err
	}
	f.lines++
	f.w.Write(line)
	return f.w.WriteByte('\n')
}

func (n *ndjsonFiles) write(typ string, res map[string]any) error {
	b, err := fj.MarshalCompact(res)
	if err != nil {
		return err
	}
	return n.writeLine(typ, b)
}

func (n *ndjsonFiles) writeBad(b int) error {
	k := badLines[b%len(badLines)]
	return n.writeLine(k.typ, []byte(k.line))
}

func (n *ndjsonFiles) close() error {
	names := make([]string, 0, len(n.files))
	for name := range n.files {
		names = append(names, name)
	}
	sort.Strings(names)
	var first error
	for _, name := range names {
		f := n.files[name]
		err := f.w.Flush()
		if f.gz != nil && err == nil {
			err = f.gz.Close()
		}
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = fmt.Errorf("writing %s: %w", name, err)
		}
		f.f = nil
	}
	return first
}

// abort closes files left open after an error.
func (n *ndjsonFiles) abort() {
	for _, f := range n.files {
		if f.f != nil {
			f.f.Close()
		}
	}
}
