package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// libraryEvaluateURL is the canonical URL of Library/$evaluate.
const libraryEvaluateURL = "http://hl7.org/fhir/uv/cql/OperationDefinition/cql-library-evaluate"

// operationDefinition is a FHIR R4 OperationDefinition: the server's
// account of the inputs and outputs of an operation it implements.
type operationDefinition struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id"`
	URL          string        `json:"url"`
	Name         string        `json:"name"`
	Title        string        `json:"title"`
	Status       string        `json:"status"`
	Kind         string        `json:"kind"`
	Description  string        `json:"description"`
	AffectsState bool          `json:"affectsState"`
	Code         string        `json:"code"`
	Resource     []string      `json:"resource,omitempty"`
	System       bool          `json:"system"`
	Type         bool          `json:"type"`
	Instance     bool          `json:"instance"`
	Parameter    []opParameter `json:"parameter"`
}

type opParameter struct {
	Name          string        `json:"name"`
	Use           string        `json:"use"`
	Min           int           `json:"min"`
	Max           string        `json:"max"`
	Documentation string        `json:"documentation,omitempty"`
	Type          string        `json:"type,omitempty"`
	SearchType    string        `json:"searchType,omitempty"`
	Part          []opParameter `json:"part,omitempty"`
}

func in(name string, min int, max, typ, doc string, parts ...opParameter) opParameter {
	return opParameter{Name: name, Use: "in", Min: min, Max: max, Type: typ, Documentation: doc, Part: parts}
}

// commonInputs are the inputs $cql and Library/$evaluate share.
func commonInputs() []opParameter {
	return []opParameter{
		{Name: "subject", Use: "in", Min: 0, Max: "1", Type: "string", SearchType: "reference",
			Documentation: "Patient/ID: evaluate in Patient context for this patient of the data (data, prefetchData or dataEndpoint)."},
		in("parameters", 0, "1", "Parameters", "Values of CQL parameters, by name; a name given several times is a List."),
		in("useServerData", 0, "1", "boolean", "Accepted; this server stores no patient data."),
		in("data", 0, "1", "Bundle", "Resources the retrieves read."),
		in("prefetchData", 0, "*", "", "Further Bundles the retrieves read.",
			in("key", 0, "1", "string", "The prefetch key (informational)."),
			in("descriptor", 0, "1", "DataRequirement", "What the prefetch holds (informational)."),
			in("data", 0, "1", "Bundle", "The prefetched resources.")),
		in("dataEndpoint", 0, "1", "Endpoint", "A FHIR server the retrieves search, after the Bundles; Endpoint.header lines (e.g. Authorization) are sent with every request."),
		in("terminologyEndpoint", 0, "1", "Endpoint", "A FHIR terminology server for value set expansion and membership."),
		in("timestamp", 0, "1", "dateTime", "The evaluation time (Now())."),
	}
}

// operationDefinitions are the definitions served at
// GET /OperationDefinition/{id}.
func operationDefinitions() map[string]operationDefinition {
	cqlParams := []opParameter{
		in("expression", 1, "1", "string", "The CQL expression to evaluate."),
		in("library", 0, "*", "", "A library of the server's packages that the expression may refer to by name.",
			in("url", 1, "1", "canonical", "The library's canonical url, optionally with |version."),
			in("name", 0, "1", "string", "The name the expression uses for the library (default: its own name).")),
	}
	cqlParams = append(cqlParams, commonInputs()...)
	cqlParams = append(cqlParams,
		opParameter{Name: "return", Use: "out", Min: 1, Max: "*", Type: "Any",
			Documentation: "The result; a list is one return parameter per element, the empty list and null are flagged with extensions (CQLParameters profile)."},
		opParameter{Name: messagesParameterName, Use: "out", Min: 0, Max: "1", Type: "OperationOutcome",
			Documentation: "The messages of Message calls (Trace, Message, Warning), one issue each."})
	evalParams := []opParameter{
		in("url", 0, "1", "canonical", "Type level: the canonical url (optionally |version) of a library of the server's packages."),
		in("library", 0, "1", "Library", "Type level: the Library to evaluate, with its CQL as text/cql content."),
		in("expression", 0, "*", "string", "Names of the definitions to evaluate; all public definitions when absent."),
		in("includePrivate", 0, "1", "boolean", "Without expression: evaluate private definitions too."),
	}
	evalParams = append(evalParams, commonInputs()...)
	evalParams = append(evalParams,
		opParameter{Name: "return", Use: "out", Min: 1, Max: "1", Type: "Parameters",
			Documentation: "One parameter per evaluated definition, named after it (CQLParameters profile), and _messages when there are messages."})
	return map[string]operationDefinition{
		"cql-cql": {ResourceType: "OperationDefinition", ID: "cql-cql", URL: cqlOperationURL, Name: "CQLCQL", Title: "CQL $cql",
			Status: "active", Kind: "operation", Code: "cql", System: true,
			Description: "Evaluates a CQL expression (ccg's implementation of the operation of Using CQL with FHIR).",
			Parameter:   cqlParams},
		"cql-library-evaluate": {ResourceType: "OperationDefinition", ID: "cql-library-evaluate", URL: libraryEvaluateURL,
			Name: "CQLLibraryEvaluate", Title: "CQL Library $evaluate", Status: "active", Kind: "operation", Code: "evaluate",
			Resource: []string{"Library"}, Type: true, Instance: true,
			Description: "Evaluates the expression definitions of a CQL library (ccg's implementation of the operation of Using CQL with FHIR).",
			Parameter:   evalParams},
	}
}

func (s *Server) handleOperationDefinition(c echo.Context) error {
	od, ok := operationDefinitions()[c.Param("id")]
	if !ok {
		return &RequestError{Status: http.StatusNotFound, Code: "not-found", Message: "OperationDefinition/" + c.Param("id") + " is not known to this server"}
	}
	return writeFHIR(c, http.StatusOK, od)
}
