package audit

import (
	"encoding/base64"
	"time"

	"github.com/google/uuid"
)

// KindAccess marks the record of an access decision: a request the
// server refused for want of a credential or a scope, or a read of the
// audit trail itself.
const KindAccess = "access"

// Access is a BALP RESTful-interaction AuditEvent (type rest): who asked
// the server for what, and whether it was allowed.
type Access struct {
	Recorded time.Time
	// Interaction is the restful-interaction code: read, search-type,
	// operation, create, update, delete.
	Interaction string
	// Action is the AuditEvent.action: R (read, search), E (operation),
	// C, U or D.
	Action string
	// Outcome is "0" (success), "4" (refused: no credential, scope
	// missing) or "8" (refused: a credential that is invalid or expired;
	// or the read failed on the server).
	Outcome     string
	OutcomeDesc string
	// Who made the request: the token's subject and issuer ("ccg" for
	// the server's own tokens), the OAuth client, and the network address.
	// An empty Subject is an anonymous client.
	Subject, Issuer, ClientID, Address string
	// Observer is the server (software name and version).
	Observer string
	// Method and Path are the HTTP request; Query is its query string (a
	// search's parameters), Resource the reference read ("AuditEvent/x").
	Method, Path, Query, Resource string
	// Patient is "Patient/id" when the request was about one patient.
	Patient string
}

// AuditEvent renders the access as a BALP AuditEvent (IHE.BasicAudit.Read
// for a read, IHE.BasicAudit.Query for a search, else the rest pattern).
func (a *Access) AuditEvent() map[string]any {
	outcome := a.Outcome
	if outcome == "" {
		outcome = OutcomeSuccess
	}
	profile := "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read"
	if a.Interaction == "search-type" {
		profile = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Query"
	}
	client := map[string]any{}
	if a.Subject != "" {
		client["identifier"] = map[string]any{"system": a.Issuer, "value": a.Subject}
		client["display"] = a.Subject
	} else {
		client["display"] = "anonymous"
	}
	clientAgent := map[string]any{
		"type":      map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID")}},
		"who":       client,
		"requestor": true,
	}
	if a.ClientID != "" {
		clientAgent["altId"] = a.ClientID
	}
	if a.Address != "" {
		clientAgent["network"] = map[string]any{"address": a.Address, "type": "2"}
	}
	agents := []any{
		clientAgent,
		map[string]any{"type": map[string]any{"coding": []any{coding("http://dicom.nema.org/resources/ontology/DCM", "110152", "Destination Role ID")}},
			"who": who(nil, a.Observer), "requestor": false},
	}
	entity := map[string]any{
		"type":        coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
		"role":        coding("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query"),
		"description": a.Method + " " + a.Path,
	}
	switch {
	case a.Resource != "":
		entity["what"] = map[string]any{"reference": a.Resource}
		entity["role"] = coding("http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource")
	case a.Query != "":
		entity["query"] = base64.StdEncoding.EncodeToString([]byte(a.Query))
	default:
		entity["what"] = map[string]any{"display": a.Method + " " + a.Path}
	}
	entities := []any{entity}
	if a.Patient != "" {
		entities = append(entities, map[string]any{"what": map[string]any{"reference": a.Patient},
			"type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
			"role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")})
	}
	ev := map[string]any{
		"resourceType": "AuditEvent",
		"id":           uuid.NewString(),
		"meta":         map[string]any{"profile": []any{profile}},
		"type":         coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "Restful Operation"),
		"subtype":      []any{coding("http://hl7.org/fhir/restful-interaction", a.Interaction, a.Interaction)},
		"action":       a.Action,
		"recorded":     a.Recorded.UTC().Format(time.RFC3339Nano),
		"outcome":      outcome,
		"agent":        agents,
		"source": map[string]any{"observer": map[string]any{"display": a.Observer},
			"type": []any{coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")}},
		"entity": entities,
	}
	if a.OutcomeDesc != "" {
		ev["outcomeDesc"] = a.OutcomeDesc
	}
	return prune(ev)
}
