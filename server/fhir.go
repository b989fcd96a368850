package server

import (
	"bytes"
	"encoding/json"
)

// The FHIR R4 JSON shapes the server reads and writes. Only the elements
// the server uses are modelled; they marshal with "resourceType" first, as
// FHIR JSON is conventionally written.

// FHIRMediaType is the media type of FHIR JSON.
const FHIRMediaType = "application/fhir+json"

// Well-known extension and system URLs.
const (
	extCQLType          = "http://hl7.org/fhir/StructureDefinition/cqf-cqlType"
	extDataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
	ucumSystem          = "http://unitsofmeasure.org"
	cqlOperationURL     = "http://hl7.org/fhir/uv/cql/OperationDefinition/cql-cql"
)

// Extension is a FHIR extension with one of a few value types.
type Extension struct {
	URL          string  `json:"url"`
	ValueString  *string `json:"valueString,omitempty"`
	ValueCode    *string `json:"valueCode,omitempty"`
	ValueBoolean *bool   `json:"valueBoolean,omitempty"`
}

// Element holds the extensions of a primitive value that has no value of
// its own (FHIR JSON's "_valueBoolean").
type Element struct {
	Extension []Extension `json:"extension,omitempty"`
}

// Quantity is a FHIR Quantity.
type Quantity struct {
	Value  json.Number `json:"value,omitempty"`
	Unit   string      `json:"unit,omitempty"`
	System string      `json:"system,omitempty"`
	Code   string      `json:"code,omitempty"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Period is a FHIR Period.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Range is a FHIR Range.
type Range struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
}

// Ratio is a FHIR Ratio.
type Ratio struct {
	Numerator   *Quantity `json:"numerator,omitempty"`
	Denominator *Quantity `json:"denominator,omitempty"`
}

// Parameter is one Parameters.parameter as the server writes it.
type Parameter struct {
	Name                 string           `json:"name"`
	Extension            []Extension      `json:"extension,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueBooleanElement  *Element         `json:"_valueBoolean,omitempty"`
	ValueInteger         *int32           `json:"valueInteger,omitempty"`
	ValueDecimal         json.Number      `json:"valueDecimal,omitempty"`
	ValueString          *string          `json:"valueString,omitempty"`
	ValueDate            *string          `json:"valueDate,omitempty"`
	ValueDateTime        *string          `json:"valueDateTime,omitempty"`
	ValueTime            *string          `json:"valueTime,omitempty"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueRatio           *Ratio           `json:"valueRatio,omitempty"`
	ValuePeriod          *Period          `json:"valuePeriod,omitempty"`
	ValueRange           *Range           `json:"valueRange,omitempty"`
	ValueCoding          *Coding          `json:"valueCoding,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	// ValueKey and ValueRaw hold a value[x] of another FHIR type
	// ("valueIdentifier") as JSON.
	ValueKey string          `json:"-"`
	ValueRaw json.RawMessage `json:"-"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Part     []Parameter     `json:"part,omitempty"`
}

// MarshalJSON writes the parameter, with ValueRaw under ValueKey.
func (p Parameter) MarshalJSON() ([]byte, error) {
	type plain Parameter
	b, err := marshalJSON(plain(p))
	if err != nil || p.ValueKey == "" || len(p.ValueRaw) == 0 {
		return b, err
	}
	key, err := json.Marshal(p.ValueKey)
	if err != nil {
		return nil, err
	}
	// b ends with '}' and holds at least "name".
	out := append([]byte(nil), b[:len(b)-1]...)
	out = append(out, ',')
	out = append(out, key...)
	out = append(out, ':')
	out = append(out, p.ValueRaw...)
	return append(out, '}'), nil
}

// Parameters is a FHIR Parameters resource.
type Parameters struct {
	Parameter []Parameter
}

// MarshalJSON writes the resource with its resourceType.
func (p Parameters) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		ResourceType string      `json:"resourceType"`
		Parameter    []Parameter `json:"parameter,omitempty"`
	}{"Parameters", p.Parameter})
}

// OperationOutcome is a FHIR OperationOutcome resource.
type OperationOutcome struct {
	Issue []Issue
}

// Issue is one OperationOutcome.issue.
type Issue struct {
	// Severity is fatal, error, warning or information.
	Severity string `json:"severity"`
	// Code is a code of http://hl7.org/fhir/issue-type (invalid,
	// processing, not-supported, timeout, too-costly, exception, ...).
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Location    []string `json:"location,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// MarshalJSON writes the resource with its resourceType.
func (o OperationOutcome) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		ResourceType string  `json:"resourceType"`
		Issue        []Issue `json:"issue"`
	}{"OperationOutcome", o.Issue})
}

// marshalJSON is json.Marshal without HTML escaping, so that CQL types
// such as "List<System.Integer>" stay readable.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
