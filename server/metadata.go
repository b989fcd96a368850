package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// capabilityStatement is the subset of a FHIR R4 CapabilityStatement the
// server publishes.
type capabilityStatement struct {
	ResourceType   string           `json:"resourceType"`
	Status         string           `json:"status"`
	Date           string           `json:"date"`
	Kind           string           `json:"kind"`
	Software       csSoftware       `json:"software"`
	Implementation csImplementation `json:"implementation"`
	FHIRVersion    string           `json:"fhirVersion"`
	Format         []string         `json:"format"`
	Rest           []csRest         `json:"rest"`
}

type csSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type csImplementation struct {
	Description string `json:"description"`
}

type csRest struct {
	Mode      string        `json:"mode"`
	Security  any           `json:"security,omitempty"`
	Resource  []csResource  `json:"resource,omitempty"`
	Operation []csOperation `json:"operation,omitempty"`
}

type csResource struct {
	Type      string        `json:"type"`
	Operation []csOperation `json:"operation,omitempty"`
}

type csOperation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// SetSecurity makes /metadata describe the server's security
// (CapabilityStatement.rest.security) with f, given the server's base URL
// as the client reached it.
func (s *Server) SetSecurity(f func(base string) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.security = f
}

func (s *Server) securityFunc() func(string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.security
}

// handleMetadata serves GET /metadata: a CapabilityStatement listing the
// operations the server supports.
func (s *Server) handleMetadata(c echo.Context) error {
	cs := capabilityStatement{
		ResourceType:   "CapabilityStatement",
		Status:         "active",
		Date:           s.cfg.Now().UTC().Format("2006-01-02"),
		Kind:           "instance",
		Software:       csSoftware{Name: "ccg", Version: s.cfg.Version},
		Implementation: csImplementation{Description: "ccg: CQL engine, guideline engine and guideline registry"},
		FHIRVersion:    "4.0.1",
		Format:         []string{FHIRMediaType, "json"},
	}
	rest := csRest{Mode: "server"}
	if f := s.securityFunc(); f != nil {
		rest.Security = f(c.Scheme() + "://" + c.Request().Host)
	}
	byType := map[string]int{}
	for _, op := range s.operations() {
		o := csOperation{Name: op.Name, Definition: op.Definition}
		if op.Resource == "" {
			rest.Operation = append(rest.Operation, o)
			continue
		}
		i, ok := byType[op.Resource]
		if !ok {
			i = len(rest.Resource)
			byType[op.Resource] = i
			rest.Resource = append(rest.Resource, csResource{Type: op.Resource})
		}
		rest.Resource[i].Operation = append(rest.Resource[i].Operation, o)
	}
	cs.Rest = []csRest{rest}
	return writeFHIR(c, http.StatusOK, cs)
}
