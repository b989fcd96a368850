// Package gen generates cql/fhir/model_gen.go, the FHIR R4 structure table
// of the FHIR model, by parsing the Go sources of
// github.com/samply/golang-fhir-models/fhir-models/fhir (generated from the
// R4 StructureDefinitions). The command in ./fhirgen writes the file (`go
// generate ./cql/fhir`); cql/fhir's tests call Generate to check that the
// committed file is current.
//
// The Go structs lose the distinction between the string-like FHIR
// primitives (string, uri, code, dateTime, ...) for non-choice elements; the
// primitive type of those is recovered by the element-name rules in
// primitiveFor, which favour getting the temporal types right.
package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Module is the Go module whose fhir package the table is generated from.
const Module = "github.com/samply/golang-fhir-models/fhir-models"

// SourceDir locates the fhir package of Module in the module cache with
// `go list -m` run in dir (a directory of this module; "" for the current
// one). The module must have been downloaded (go mod download).
func SourceDir(dir string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating %s: %v: %s", Module, err, strings.TrimSpace(stderr.String()))
	}
	d := strings.TrimSpace(string(out))
	if d == "" {
		return "", fmt.Errorf("locating %s: not in the module cache (run go mod download)", Module)
	}
	src := filepath.Join(d, "fhir")
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("locating %s: %v", Module, err)
	}
	return src, nil
}

// Generate returns the gofmt'ed source of model_gen.go generated from the
// Go sources of the samply fhir package in src.
func Generate(src string) ([]byte, error) {
	structs, enums, err := load(src)
	if err != nil {
		return nil, err
	}
	if len(structs) == 0 {
		return nil, fmt.Errorf("no Go types found in %s", src)
	}
	return render(build(structs, enums))
}

type field struct {
	json   string
	goType string // base Go type name after stripping * and []
	list   bool
}

type structInfo struct {
	name     string
	fields   []field
	topLevel bool
	resource bool
}

type outElem struct {
	Name  string
	Types []string // FHIR type names (several for a choice element)
	List  bool
}

type outType struct {
	Name  string
	Base  string
	Kind  string
	Elems []outElem
}

// parseGoFiles parses the non-test Go files of dir (the samply module's
// package, which has no build-tagged files).
func parseGoFiles(dir string) ([]*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func load(dir string) (map[string]*structInfo, map[string]bool, error) {
	files, err := parseGoFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	structs := map[string]*structInfo{}
	enums := map[string]bool{}
	unmarshal := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && strings.HasPrefix(d.Name.Name, "Unmarshal") {
					unmarshal[strings.TrimPrefix(d.Name.Name, "Unmarshal")] = true
				}
			case *ast.GenDecl:
				if d.Tok != token.TYPE {
					continue
				}
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					doc := ""
					if d.Doc != nil {
						doc = d.Doc.Text()
					}
					switch t := ts.Type.(type) {
					case *ast.Ident:
						if t.Name == "int" {
							enums[ts.Name.Name] = true
						}
					case *ast.StructType:
						si := &structInfo{name: ts.Name.Name, topLevel: strings.Contains(doc, "StructureDefinition/")}
						for _, fl := range t.Fields.List {
							if fl.Tag == nil {
								continue
							}
							tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("json")
							name := strings.Split(tag, ",")[0]
							if name == "" || name == "-" {
								continue
							}
							fd := field{json: name}
							fd.goType, fd.list = goTypeName(fl.Type)
							si.fields = append(si.fields, fd)
						}
						structs[si.name] = si
					}
				}
			}
		}
	}
	for n := range unmarshal {
		if s, ok := structs[n]; ok && s.topLevel {
			s.resource = true
		}
	}
	return structs, enums, nil
}

func goTypeName(e ast.Expr) (string, bool) {
	switch t := e.(type) {
	case *ast.StarExpr:
		n, l := goTypeName(t.X)
		return n, l
	case *ast.ArrayType:
		n, _ := goTypeName(t.Elt)
		return n, true
	case *ast.Ident:
		return t.Name, false
	case *ast.SelectorExpr:
		return t.X.(*ast.Ident).Name + "." + t.Sel.Name, false
	}
	return fmt.Sprintf("%T", e), false
}

// choiceSuffixes are the type names that may end a choice element's JSON
// name, mapped to the FHIR type.
var choiceSuffixes = map[string]string{
	"Base64Binary": "base64Binary", "Boolean": "boolean", "Canonical": "canonical", "Code": "code",
	"Date": "date", "DateTime": "dateTime", "Decimal": "decimal", "Id": "id", "Instant": "instant",
	"Integer": "integer", "Markdown": "markdown", "Oid": "oid", "PositiveInt": "positiveInt",
	"String": "string", "Time": "time", "UnsignedInt": "unsignedInt", "Uri": "uri", "Url": "url",
	"Uuid": "uuid",
}

var complexSuffixes = []string{"Address", "Age", "Annotation", "Attachment", "CodeableConcept", "Coding",
	"ContactPoint", "Count", "Distance", "Duration", "HumanName", "Identifier", "Money", "Period",
	"Quantity", "Range", "Ratio", "Reference", "SampledData", "Signature", "Timing", "ContactDetail",
	"Contributor", "DataRequirement", "Expression", "ParameterDefinition", "RelatedArtifact",
	"TriggerDefinition", "UsageContext", "Dosage", "Meta"}

// splitChoice splits a choice element's field (valueQuantity) into the
// element name and the FHIR type. The suffix must agree with the Go type,
// and choice elements never repeat: reasonCode (a list of CodeableConcept)
// is not a choice.
func splitChoice(f field) (prefix, fhirType string, ok bool) {
	if f.list {
		return "", "", false
	}
	json := f.json
	best := ""
	for s := range choiceSuffixes {
		if strings.HasSuffix(json, s) && len(s) > len(best) && len(json) > len(s) {
			best = s
		}
	}
	for _, s := range complexSuffixes {
		if strings.HasSuffix(json, s) && len(s) > len(best) && len(json) > len(s) {
			best = s
		}
	}
	if best == "" {
		return "", "", false
	}
	p := json[:len(json)-len(best)]
	if t, ok := choiceSuffixes[best]; ok {
		switch f.goType {
		case "string", "bool", "int", "json.Number":
			return p, t, true
		}
		return "", "", false
	}
	if f.goType != best {
		return "", "", false
	}
	return p, best, true
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func build(structs map[string]*structInfo, enums map[string]bool) []outType {
	names := map[string]string{} // Go struct name -> FHIR type name
	var top []string
	for n, s := range structs {
		if s.topLevel {
			names[n] = n
			top = append(top, n)
		}
	}
	sort.Strings(top)
	// Name backbone elements Parent.Field, breadth first from the top-level types.
	queue := append([]string(nil), top...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, f := range structs[n].fields {
			c, ok := structs[f.goType]
			if !ok || c.topLevel {
				continue
			}
			if _, done := names[c.name]; done {
				continue
			}
			names[c.name] = names[n] + "." + upperFirst(f.json)
			queue = append(queue, c.name)
		}
	}
	var out []outType
	for goName, fhirName := range names {
		s := structs[goName]
		ot := outType{Name: fhirName}
		switch {
		case s.resource:
			ot.Kind = "resource"
			ot.Base = "Resource"
			for _, f := range s.fields {
				if f.json == "text" {
					ot.Base = "DomainResource"
				}
			}
		case s.topLevel:
			ot.Kind = "complex"
			ot.Base = "Element"
			switch fhirName {
			case "Age", "Count", "Distance", "Duration", "MoneyQuantity", "SimpleQuantity":
				ot.Base = "Quantity"
			case "Dosage", "ElementDefinition", "Timing", "MarketingStatus", "Population",
				"ProductShelfLife", "ProdCharacteristic", "SubstanceAmount":
				ot.Base = "BackboneElement"
			}
		default:
			ot.Kind = "complex"
			ot.Base = "BackboneElement"
		}
		fs := s.fields
		for i := 0; i < len(fs); i++ {
			f := fs[i]
			// Choice group: consecutive fields sharing a prefix with type suffixes.
			if p, t, ok := splitChoice(f); ok {
				opts := []string{t}
				j := i + 1
				for ; j < len(fs); j++ {
					p2, t2, ok2 := splitChoice(fs[j])
					if !ok2 || p2 != p {
						break
					}
					opts = append(opts, t2)
				}
				if j-i >= 2 {
					ot.Elems = append(ot.Elems, outElem{Name: p, Types: opts})
					i = j - 1
					continue
				}
			}
			ot.Elems = append(ot.Elems, outElem{Name: f.json, Types: []string{elemType(fhirName, ot.Kind, f, structs, names, enums)}, List: f.list})
		}
		out = append(out, ot)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func elemType(owner, kind string, f field, structs map[string]*structInfo, names map[string]string, enums map[string]bool) string {
	if b, ok := bindingNames[owner+"."+f.json]; ok {
		return b
	}
	switch f.goType {
	case "bool":
		return "boolean"
	case "int":
		return "integer"
	case "json.Number":
		return "decimal"
	case "json.RawMessage":
		return "Resource"
	case "string":
		return primitiveFor(owner, kind, f.json)
	}
	if enums[f.goType] {
		return f.goType
	}
	if n, ok := names[f.goType]; ok {
		return n
	}
	return "string"
}

// bindingNames gives the types of elements the Go models do not tell: the
// type names CQL uses for code elements whose value set the Go models name
// differently (the binding name of the element), and the primitive type of
// string-valued elements the name rules below get wrong.
var bindingNames = map[string]string{
	"ActivityDefinition.kind": "ActivityDefinitionKind", "ActivityDefinition.Participant.type": "ActivityParticipantType",
	"CarePlan.status": "CarePlanStatus", "CarePlan.intent": "CarePlanIntent",
	"ChargeItemDefinition.PropertyGroup.PriceComponent.type": "ChargeItemDefinitionPriceComponentType",
	"ClaimResponse.status": "ClaimResponseStatus", "Claim.status": "ClaimStatus", "ClaimResponse.outcome": "RemittanceOutcome",
	"Communication.priority": "CommunicationPriority", "Communication.status": "CommunicationStatus",
	"CommunicationRequest.status": "CommunicationRequestStatus", "CommunicationRequest.priority": "CommunicationPriority",
	"CompartmentDefinition.code": "CompartmentCode", "Contract.status": "ContractStatus",
	"Contract.ContentDefinition.publicationStatus": "ContractPublicationStatus", "Coverage.status": "CoverageStatus",
	"Timing.Repeat.dayOfWeek": "DayOfWeek", "Timing.Repeat.when": "EventTiming",
	"Timing.Repeat.durationUnit": "UnitsOfTime", "Timing.Repeat.periodUnit": "UnitsOfTime",
	"DetectedIssue.status": "DetectedIssueStatus", "DeviceRequest.status": "DeviceRequestStatus",
	"Composition.confidentiality": "DocumentConfidentiality", "Composition.Section.mode": "SectionMode",
	"CoverageEligibilityRequest.status": "EligibilityRequestStatus", "CoverageEligibilityResponse.status": "EligibilityResponseStatus",
	"EnrollmentRequest.status": "EnrollmentRequestStatus", "EnrollmentResponse.status": "EnrollmentResponseStatus",
	"ImmunizationEvaluation.status": "ImmunizationEvaluationStatus", "Immunization.status": "ImmunizationStatus",
	"Media.status": "MediaStatus", "MedicationAdministration.status": "MedicationAdministrationStatus",
	"MedicationDispense.status": "MedicationDispenseStatus", "MedicationKnowledge.status": "MedicationKnowledgeStatus",
	"MedicationRequest.intent": "MedicationRequestIntent", "MedicationRequest.priority": "MedicationRequestPriority",
	"MedicationRequest.status": "MedicationRequestStatus", "MedicationStatement.status": "MedicationStatementStatus",
	"Medication.status": "MedicationStatus", "NutritionOrder.status": "NutritionOrderStatus",
	"MolecularSequence.ReferenceSeq.orientation": "OrientationType", "MolecularSequence.ReferenceSeq.strand": "StrandType",
	"MolecularSequence.Quality.type": "QualityType", "MolecularSequence.Repository.type": "RepositoryType",
	"MolecularSequence.type": "SequenceType", "ParameterDefinition.use": "ParameterUse",
	"AppointmentResponse.participantStatus": "ParticipantStatus", "PaymentNotice.status": "PaymentNoticeStatus",
	"PaymentReconciliation.status": "PaymentReconciliationStatus", "Procedure.status": "ProcedureStatus",
	"DocumentReference.docStatus": "ReferredDocumentStatus", "RiskAssessment.status": "RiskAssessmentStatus",
	"ServiceRequest.intent": "ServiceRequestIntent", "ServiceRequest.priority": "ServiceRequestPriority",
	"ServiceRequest.status": "ServiceRequestStatus", "Task.intent": "TaskIntent", "Task.priority": "TaskPriority",
	"EvidenceVariable.type": "VariableType", "VisionPrescription.status": "VisionStatus",
	"Encounter.status": "EncounterStatus", "Condition.clinicalStatus": "CodeableConcept",
	"Signature.when": "instant", "Annotation.time": "dateTime",
	// Temporal elements the name rules miss.
	"Bundle.Entry.Request.ifModifiedSince": "instant", "CapabilityStatement.Software.releaseDate": "dateTime",
	"Composition.Attester.time": "dateTime", "Consent.Verification.verificationDate": "dateTime",
	"Contract.ContentDefinition.publicationDate": "dateTime", "Contract.Term.Asset.ValuedItem.effectiveTime": "dateTime",
	"Device.manufactureDate": "dateTime", "DeviceMetric.Calibration.time": "instant",
	"DeviceUseStatement.recordedOn": "dateTime", "Immunization.Education.publicationDate": "dateTime",
	"Immunization.Education.presentationDate": "dateTime", "ImmunizationRecommendation.Recommendation.DateCriterion.value": "dateTime",
	"MarketingStatus.restoreDate": "dateTime", "MedicinalProduct.ManufacturingBusinessOperation.effectiveDate": "dateTime",
	"MedicinalProductAuthorization.restoreDate": "dateTime", "MedicinalProductAuthorization.dateOfFirstAuthorization": "dateTime",
	"MedicinalProductAuthorization.internationalBirthDate": "dateTime", "Specimen.receivedTime": "dateTime",
	"Substance.Instance.expiry": "dateTime", "Timing.event": "dateTime", "VerificationResult.PrimarySource.validationDate": "dateTime",
	"Immunization.recorded": "dateTime", "Goal.statusDate": "date",
}

// Names of string-valued elements by their FHIR primitive type. Elements not
// listed are FHIR.string.
var byName = map[string]string{
	"birthDate": "date", "lastReviewDate": "date", "approvalDate": "date", "expirationDate": "date",
	"issued": "instant", "lastUpdated": "instant", "timestamp": "instant", "recorded": "instant",
	"date": "dateTime", "dateTime": "dateTime", "authoredOn": "dateTime", "created": "dateTime",
	"recordedDate": "dateTime", "start": "dateTime", "end": "dateTime", "started": "dateTime",
	"statusDate": "dateTime", "dateAsserted": "dateTime", "sent": "dateTime", "received": "dateTime",
	"occurrenceDateTime": "dateTime", "enteredDate": "dateTime", "creation": "dateTime",
	"lastModified": "dateTime", "dateWritten": "dateTime", "whenPrepared": "dateTime",
	"whenHandedOver": "dateTime", "lockedDate": "dateTime", "paymentDate": "date",
	"availableStartTime": "time", "availableEndTime": "time", "openingTime": "time", "closingTime": "time",
	"timeOfDay": "time",
	"url":       "uri", "system": "uri", "implicitRules": "uri", "profile": "canonical", "fullUrl": "uri",
	"instantiatesCanonical": "canonical", "instantiatesUri": "uri", "valueSet": "canonical",
	"library": "canonical", "definitionCanonical": "canonical", "targetProfile": "canonical",
	"code": "code", "language": "code", "contentType": "code", "unit": "string", "status": "code",
	"version": "string", "display": "string", "reference": "string", "description": "markdown",
	"copyright": "markdown", "purpose": "markdown", "id": "id", "versionId": "id", "linkId": "string",
}

func primitiveFor(owner, kind, name string) string {
	switch {
	case name == "id" && kind != "resource":
		return "System.String"
	case owner == "Extension" && name == "url":
		return "System.String"
	case owner == "Narrative" && name == "div":
		return "xhtml"
	case owner == "Annotation" && name == "time":
		return "dateTime"
	case owner == "Quantity" || owner == "Age" || owner == "Duration" || owner == "Count" || owner == "Distance":
		if name == "code" {
			return "code"
		}
		if name == "system" {
			return "uri"
		}
	}
	if t, ok := byName[name]; ok {
		return t
	}
	return "string"
}

func render(ts []outType) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by cql/fhir/internal/gen from the samply FHIR R4 Go models; DO NOT EDIT.\n\n")
	b.WriteString("package fhir\n\n")
	b.WriteString("var genTypes = []genType{\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "{%q, %q, %s, []genElem{", t.Name, t.Base, "kind"+upperFirst(t.Kind))
		for _, e := range t.Elems {
			fmt.Fprintf(&b, "{%q, %q, %v},", e.Name, strings.Join(e.Types, "|"), e.List)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
