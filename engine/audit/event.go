// Package audit records the Basic Audit Log Patterns (BALP) AuditEvents
// that Apply Guideline [QRPH-64] requires of a Guideline Engine: one
// "Privacy Disclosure at Source" event for every submission, persisted
// before the submission is evaluated, and one for every response. Events
// are stored through a small Store interface with an embedded SQLite and
// a PostgreSQL implementation, and searched by patient, date and outcome.
package audit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/google/uuid"
)

// Kinds of Apply Guideline audit events.
const (
	KindSubmission = "submission"
	KindResponse   = "response"
	// KindCreate marks the Guideline Performer's record of Resulting
	// Data it created (see Create).
	KindCreate = "create"
)

// Outcome codes of AuditEvent.outcome.
const (
	OutcomeSuccess = "0"
	OutcomeMinor   = "4"
	OutcomeSerious = "8"
	OutcomeMajor   = "12"
)

// SubmissionPrefix starts outcomeDesc of a submission event.
const SubmissionPrefix = "CPGPlanDefinitionApply submission"

// ApplyOperation is the canonical of the CPG $apply operation.
const ApplyOperation = "http://hl7.org/fhir/uv/cpg/OperationDefinition/cpg-plandefinition-apply"

// Event is what an Apply Guideline audit event says.
type Event struct {
	Kind     string
	Recorded time.Time
	// PlanDefinitionID, EncounterID and Parameters (the parameters as they
	// appeared in the submission) make the submission's outcomeDesc.
	PlanDefinitionID string
	EncounterID      string
	Parameters       string
	// Cards are the CARD canonicals returned (response events).
	Cards []string
	// Outcome is "0" or the failure code; Detail an error text for
	// failed responses (appended to outcomeDesc after the CARD ids).
	Outcome string
	Detail  string
	// Source and Recipient name the Guideline Performer and Engine
	// software (name and version). Source is what the caller claims (its
	// X-CCG-Performer header or User-Agent).
	Source, Recipient string
	// Caller is the authenticated caller (empty with authentication off):
	// when set, it is the requestor agent's who and Source its name.
	Caller Caller
	// Patient is "Patient/id"; PatientIdentifier and
	// PractitionerIdentifier are the identifiers (system|value) used for
	// the custodian (practitioner in provider care, else the patient) and
	// the authorizer (the patient).
	Patient                                   string
	PatientIdentifier, PractitionerIdentifier map[string]any
	// Requests are the reference of the request resources (response).
	Requests []string
	// Body is the digest and size of the request body as submitted
	// (also when it could not be read as a Parameters resource); the body
	// itself is never stored.
	Body *Digest
}

// Caller is who made a request, as authentication established it: the
// token's subject and issuer ("ccg" for the server's own tokens) and the
// OAuth client. An empty Subject is no authenticated caller.
type Caller struct {
	Subject, Issuer, ClientID string
}

// requestor is the requestor agent of an event whose caller claims to be
// name (the performer software).
func (c Caller) requestor(name string) map[string]any {
	agent := map[string]any{"type": map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID")}},
		"requestor": true}
	if c.Subject == "" {
		agent["who"] = who(nil, name)
		return agent
	}
	agent["who"] = who(map[string]any{"system": c.Issuer, "value": cut(c.Subject, MaxNameText)}, cut(c.Subject, MaxNameText))
	if name != "" {
		agent["name"] = name
	}
	if c.ClientID != "" {
		agent["altId"] = cut(c.ClientID, MaxNameText)
	}
	return agent
}

// Digest identifies submitted content without keeping it: its SHA-256
// and size in bytes.
type Digest struct {
	SHA256 [sha256.Size]byte
	Size   int
}

// DigestOf is the digest of b.
func DigestOf(b []byte) *Digest { return &Digest{SHA256: sha256.Sum256(b), Size: len(b)} }

// Text bounds: longer texts (the parameters of the outcomeDesc, an error
// detail, the performer's name) are replaced by their digest or cut, so
// that an AuditEvent stays small whatever was submitted.
const (
	MaxParametersText = 1024
	MaxDetailText     = 1024
	MaxNameText       = 256
)

// boundParams is the parameters text of an outcomeDesc: as submitted
// when short, else its digest and size.
func boundParams(s string) string {
	if len(s) <= MaxParametersText {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("sha256:%s (%d bytes, not stored)", hex.EncodeToString(sum[:]), len(s))
}

// cut shortens s to at most n bytes (on a rune boundary), marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// OutcomeDesc is the outcomeDesc QRPH-64 specifies: for a submission
// "CPGPlanDefinitionApply submission|<PlanDefinition id>|<Encounter id>|<parameters>",
// for a response the CARD ids returned, "|"-separated.
func (ev *Event) OutcomeDesc() string {
	if ev.Kind == KindSubmission {
		return strings.Join([]string{SubmissionPrefix, cut(ev.PlanDefinitionID, MaxNameText), cut(ev.EncounterID, MaxNameText),
			boundParams(ev.Parameters)}, "|")
	}
	s := strings.Join(ev.Cards, "|")
	if ev.Detail != "" {
		if s != "" {
			s += "|"
		}
		s += cut(ev.Detail, MaxDetailText)
	}
	return s
}

func coding(system, code, display string) map[string]any { return fj.Coding(system, code, display) }

// prune drops the empty strings, objects and arrays of an AuditEvent
// (an agent whose name is unknown has no "who": FHIR JSON has no empty
// values), and returns m.
func prune(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x == "" {
				delete(m, k)
			}
		case map[string]any:
			if len(prune(x)) == 0 {
				delete(m, k)
			}
		case []any:
			l := x[:0]
			for _, e := range x {
				if o, ok := e.(map[string]any); ok && len(prune(o)) == 0 {
					continue
				}
				l = append(l, e)
			}
			if len(l) == 0 {
				delete(m, k)
			} else {
				m[k] = l
			}
		}
	}
	return m
}

func who(ident map[string]any, display string) map[string]any {
	w := map[string]any{}
	if ident != nil {
		w["identifier"] = ident
	}
	if display != "" {
		w["display"] = display
	}
	return w
}

// Resource renders the event as a BALP AuditEvent resource
// (IHE.BasicAudit.PrivacyDisclosure.Source).
func (ev *Event) Resource() map[string]any {
	id := uuid.NewString()
	outcome := ev.Outcome
	if outcome == "" {
		outcome = OutcomeSuccess
	}
	custodian := ev.PractitionerIdentifier
	if custodian == nil {
		custodian = ev.PatientIdentifier
	}
	agents := []any{
		ev.Caller.requestor(cut(ev.Source, MaxNameText)),
		map[string]any{"type": map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110152", "Destination Role ID")}},
			"who": who(nil, ev.Recipient), "requestor": false},
		map[string]any{"type": map[string]any{"coding": []any{coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "CST", "custodian")}},
			"who": who(custodian, ""), "requestor": false},
		map[string]any{"type": map[string]any{"text": "authorizer"}, "who": who(ev.PatientIdentifier, ""), "requestor": false},
	}
	entities := []any{}
	if ev.Patient != "" {
		entities = append(entities, map[string]any{"what": fj.Reference(ev.Patient),
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
			"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")})
	}
	if ev.PlanDefinitionID != "" {
		entities = append(entities, map[string]any{"what": fj.Reference("PlanDefinition/" + ev.PlanDefinitionID),
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
			"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query")})
	}
	if ev.EncounterID != "" {
		entities = append(entities, map[string]any{"what": fj.Reference("Encounter/" + ev.EncounterID),
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object")})
	}
	if ev.Body != nil {
		entities = append(entities, map[string]any{
			"type":        coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
			"role":        coding("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query"),
			"description": "the submitted request body (its SHA-256 and size; the body is not stored)",
			"detail": []any{
				map[string]any{"type": "sha256", "valueBase64Binary": base64.StdEncoding.EncodeToString(ev.Body.SHA256[:])},
				map[string]any{"type": "size", "valueString": strconv.Itoa(ev.Body.Size)},
			}})
	}
	for _, r := range ev.Requests {
		entities = append(entities, map[string]any{"what": fj.Reference(r),
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
			"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource")})
	}
	r := map[string]any{
		"resourceType": "AuditEvent",
		"id":           id,
		"meta":         map[string]any{"profile": []any{"https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source"}},
		"type":         coding("http://dicom.nema.org/resources/ontology/DCM", "110106", "Export"),
		"subtype": []any{coding("urn:ietf:rfc:3986", ApplyOperation, "CPGPlanDefinitionApply"),
			coding("https://ccg-project.github.io/CodeSystem/apply-audit", ev.Kind, ev.Kind)},
		"action":         "E",
		"recorded":       ev.Recorded.UTC().Format(time.RFC3339Nano),
		"outcome":        outcome,
		"outcomeDesc":    ev.OutcomeDesc(),
		"purposeOfEvent": []any{map[string]any{"coding": []any{coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", "treatment")}}},
		"agent":          agents,
		"source": map[string]any{"observer": map[string]any{"display": ev.Recipient},
			"type": []any{coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")}},
	}
	if len(entities) > 0 {
		r["entity"] = entities
	}
	return prune(r)
}

// Create is a BALP "Create with known Patient Subject" event
// (IHE.BasicAudit.PatientCreate): the Guideline Performer made a new
// patient resource, its Resulting Data.
type Create struct {
	Recorded time.Time
	// Created is the reference of the new resource ("Observation/x").
	Created string
	// Patient is "Patient/id", the subject of the created resource.
	Patient string
	// Source is the software that created the resource (the requestor);
	// Recipient is where it was created.
	Source, Recipient string
	// Outcome is "0" (the default) or a failure code.
	Outcome string
}

// AuditEvent renders the event as an AuditEvent resource: action C,
// type rest, subtype create, with the created resource (a Domain
// Resource) and the patient as entities.
func (cr *Create) AuditEvent() map[string]any {
	outcome := cr.Outcome
	if outcome == "" {
		outcome = OutcomeSuccess
	}
	entities := []any{map[string]any{"what": fj.Reference(cr.Created),
		"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
		"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource")}}
	if cr.Patient != "" {
		entities = append(entities, map[string]any{"what": fj.Reference(cr.Patient),
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
			"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")})
	}
	return prune(map[string]any{
		"resourceType":   "AuditEvent",
		"id":             uuid.NewString(),
		"meta":           map[string]any{"profile": []any{"https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientCreate"}},
		"type":           coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "Restful Operation"),
		"subtype":        []any{coding("http://hl7.org/fhir/restful-interaction", "create", "create")},
		"action":         "C",
		"recorded":       cr.Recorded.UTC().Format(time.RFC3339Nano),
		"outcome":        outcome,
		"purposeOfEvent": []any{map[string]any{"coding": []any{coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", "treatment")}}},
		"agent": []any{
			map[string]any{"type": map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID")}},
				"who": who(nil, cr.Source), "requestor": true},
			map[string]any{"type": map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110152", "Destination Role ID")}},
				"who": who(nil, cr.Recipient), "requestor": false},
		},
		"source": map[string]any{"observer": map[string]any{"display": cr.Source},
			"type": []any{coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")}},
		"entity": entities,
	})
}
