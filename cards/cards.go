// Package cards describes the thirteen CCG CARD types: for each code of
// the ccg-card-type-cs code system, the request resource a Guideline
// Engine recommends (the Action) with its CPG profile, and the resource a
// Guideline Performer records after processing it (the Resulting Data),
// as Volume 3 ("Normative Action and Resulting Data Formats") defines
// them. Validation of CARD resources lives in cards/validate.
package cards

import "sort"

// CodeSystem is the canonical URL of the CCG CARD type code system.
const CodeSystem = "https://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs"

// CPG is the base URL of the HL7 CPG profiles.
const CPG = "http://hl7.org/fhir/uv/cpg/StructureDefinition/"

// ActivityTypeSystem is the CPG activity type code system used for
// Task.code.
const ActivityTypeSystem = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs"

// Type is one CARD type.
type Type struct {
	// Code is the ccg-card-type-cs code ("provide", ...).
	Code string
	// Display is the code's display text.
	Display string
	// Request is the resource type of the recommended Action.
	Request string
	// Profile is the CPG profile of the Action (meta.profile).
	Profile string
	// TaskCode is the cpg-activity-type-cs code of a Task Action.
	TaskCode string
	// Result is the resource type of the normative Resulting Data.
	Result string
	// ResultProfile is the CPG profile of the Resulting Data.
	ResultProfile string
	// ResultStatus is the status the Resulting Data records when the
	// recommendation was followed.
	ResultStatus string
}

var all = []Type{
	{"provide", "Provide Information", "CommunicationRequest", CPG + "cpg-communicationrequest", "", "Communication", CPG + "cpg-communication", "completed"},
	{"collect", "Collect Information", "Task", CPG + "cpg-questionnairetask", "collect-information", "Observation", CPG + "cpg-observation", "final"},
	{"reqlab", "Request a Service (Lab Order)", "ServiceRequest", CPG + "cpg-servicerequest", "", "ServiceRequest", CPG + "cpg-servicerequest", "draft"},
	{"reqrad", "Request a Service (Radiology Order)", "ServiceRequest", CPG + "cpg-servicerequest", "", "ServiceRequest", CPG + "cpg-servicerequest", "draft"},
	{"reqproc", "Request a Service (Procedure Order)", "ServiceRequest", CPG + "cpg-servicerequest", "", "ServiceRequest", CPG + "cpg-servicerequest", "draft"},
	{"reqref", "Request a Service (Referral)", "ServiceRequest", CPG + "cpg-servicerequest", "", "ServiceRequest", CPG + "cpg-servicerequest", "draft"},
	{"propdx", "Propose a Diagnosis", "Task", CPG + "cpg-proposediagnosistask", "propose-diagnosis", "Condition", CPG + "cpg-condition", ""},
	{"orderrx", "Order Medication", "MedicationRequest", CPG + "cpg-medicationrequest", "", "MedicationRequest", CPG + "cpg-medicationrequest", "draft"},
	{"disprx", "Dispense Medication", "Task", CPG + "cpg-dispensemedicationtask", "dispense-medication", "MedicationDispense", CPG + "cpg-medicationdispense", "completed"},
	{"adminrx", "Administer Medication", "Task", CPG + "cpg-administermedicationtask", "administer-medication", "MedicationAdministration", CPG + "cpg-medicationadministration", "completed"},
	{"reqvx", "Request Immunization", "MedicationRequest", CPG + "cpg-immunizationrequest", "", "Immunization", CPG + "cpg-immunization", "completed"},
	{"stoprx", "Stop Activity (Medication Order)", "Task", CPG + "cpg-stoptask", "stop-activity", "MedicationRequest", CPG + "cpg-medicationrequest", "stopped"},
	{"stopsrv", "Stop Activity (Service Order)", "Task", CPG + "cpg-stoptask", "stop-activity", "ServiceRequest", CPG + "cpg-servicerequest", "revoked"},
}

var byCode = func() map[string]Type {
	m := make(map[string]Type, len(all))
	for _, t := range all {
		m[t.Code] = t
	}
	return m
}()

// Lookup returns the CARD type of a ccg-card-type-cs code.
func Lookup(code string) (Type, bool) {
	t, ok := byCode[code]
	return t, ok
}

// All returns the thirteen CARD types in the code system's order.
func All() []Type { return append([]Type(nil), all...) }

// Codes returns the CARD type codes, sorted.
func Codes() []string {
	out := make([]string, 0, len(all))
	for _, t := range all {
		out = append(out, t.Code)
	}
	sort.Strings(out)
	return out
}

// ServiceCategory is the SNOMED CT concept that tells the four "Request a
// Service" orders apart in ServiceRequest.category: laboratory procedure,
// imaging, procedure, referral ("" for the other types). A procedure order
// may be any procedure (a blood pressure measurement as much as an
// operation), so reqproc carries SNOMED CT's top procedure concept, not a
// narrower one such as "Surgical procedure".
func (t Type) ServiceCategory() (code, display string) {
	switch t.Code {
	case "reqlab":
		return "108252007", "Laboratory procedure"
	case "reqrad":
		return "363679005", "Imaging"
	case "reqproc":
		return "71388002", "Procedure"
	case "reqref":
		return "3457005", "Patient referral"
	}
	return "", ""
}

// IsCodeSystem reports whether system names the CARD type code system
// (the https canonical, or the http spelling some examples use).
func IsCodeSystem(system string) bool {
	return system == CodeSystem || system == "http://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs"
}

// OfActivity returns the CARD type an ActivityDefinition carries in
// topic.coding; ok is false when it has none.
func OfActivity(ad map[string]any) (Type, bool) {
	topics, _ := ad["topic"].([]any)
	for _, t := range topics {
		tm, _ := t.(map[string]any)
		codings, _ := tm["coding"].([]any)
		for _, c := range codings {
			cm, _ := c.(map[string]any)
			sys, _ := cm["system"].(string)
			code, _ := cm["code"].(string)
			if IsCodeSystem(sys) {
				if ct, ok := byCode[code]; ok {
					return ct, true
				}
			}
		}
	}
	return Type{}, false
}
