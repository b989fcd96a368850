package fhir

import (
	"fmt"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Related-context retrieves ([Ctx -> T]).
//
// The context value names one resource (the target): a resource, a
// Reference to it, or an id. The resources of T retrieved are those with a
// reference to the target in the elements that relate T to the target's
// type; the element names follow the R4 search parameters of the
// compartments that QI-Core and the CQL FHIR model info use as contexts:
//
//   - Patient: the elements of T referring to the subject (subject, patient,
//     beneficiary, ...: TypeInfo.PatientPaths), as the patient compartment.
//   - Encounter: encounter (Condition, Observation, Procedure,
//     MedicationRequest, ServiceRequest, ...), context
//     (MedicationAdministration, MedicationStatement, MedicationDispense,
//     ChargeItem) and context.encounter (DocumentReference).
//   - Practitioner: the participant elements of the practitioner
//     compartment that exist on T (performer, performer.actor, requester,
//     recorder, asserter, author, participant.individual, ...).
//
// When T is the target's own type the target itself is returned ([Mother
// -> Patient] is Mother). A reference matches the target when it is
// "Type/id", an absolute URL ending in "/Type/id" (a version suffix
// "/_history/n" is ignored), or a fullUrl of the Bundle entry holding the
// target. A bare id (a String) names a Patient; "Type/id" names a resource
// of that type.

// relatedTarget is the resource a related-context retrieve is about.
type relatedTarget struct {
	typ, id string
	node    *Node // the resource when the context value is one
}

func (t relatedTarget) String() string { return t.typ + "/" + t.id }

// contextTarget reads the context value of a related-context retrieve.
func contextTarget(v value.Value) (relatedTarget, error) {
	switch x := v.(type) {
	case *Node:
		switch {
		case x.info.Kind == KindResource:
			if x.ID() == "" {
				return relatedTarget{}, fmt.Errorf("the context %s of a related-context retrieve has no id", x.TypeName())
			}
			return relatedTarget{typ: x.TypeName(), id: x.ID(), node: x}, nil
		case x.info.Type.Name == "Reference":
			r, _ := x.obj["reference"].(string)
			if t, ok := parseReference(r); ok {
				return t, nil
			}
			return relatedTarget{}, fmt.Errorf("the context Reference %q of a related-context retrieve is not of the form Type/id", r)
		case x.info.Kind == KindPrimitive || x.info.Kind == KindCode:
			pv, err := x.PrimitiveValue()
			if err != nil {
				return relatedTarget{}, err
			}
			if s, ok := pv.(value.String); ok {
				return contextTarget(s)
			}
		}
		return relatedTarget{}, fmt.Errorf("a FHIR.%s cannot be the context of a related-context retrieve", x.TypeName())
	case value.String:
		s := strings.TrimSpace(string(x))
		if s == "" {
			return relatedTarget{}, fmt.Errorf("the context of a related-context retrieve is an empty id")
		}
		if strings.Contains(s, "/") {
			if t, ok := parseReference(s); ok {
				return t, nil
			}
			return relatedTarget{}, fmt.Errorf("the context %q of a related-context retrieve is not an id or Type/id", s)
		}
		return relatedTarget{typ: "Patient", id: s}, nil
	}
	if v == nil {
		return relatedTarget{}, fmt.Errorf("the context of a related-context retrieve is null")
	}
	return relatedTarget{}, fmt.Errorf("a %s cannot be the context of a related-context retrieve", v.Type())
}

// parseReference reads "Type/id" from a relative or absolute reference,
// dropping a "/_history/version" suffix.
func parseReference(r string) (relatedTarget, bool) {
	if i := strings.Index(r, "/_history/"); i >= 0 {
		r = r[:i]
	}
	parts := strings.Split(r, "/")
	if len(parts) < 2 {
		return relatedTarget{}, false
	}
	typ, id := parts[len(parts)-2], parts[len(parts)-1]
	if id == "" {
		return relatedTarget{}, false
	}
	if ti, ok := R4().Info(typ); !ok || ti.Kind != KindResource {
		return relatedTarget{}, false
	}
	return relatedTarget{typ: typ, id: id}, true
}

// relatedCandidates are the element paths relating a resource to a
// resource of the context type, by context type (other than Patient).
var relatedCandidates = map[string][]string{
	"Encounter": {"encounter", "context", "context.encounter"},
	"Practitioner": {"performer", "performer.actor", "performer.individual", "requester", "recorder",
		"asserter", "author", "participant.individual", "participant.actor", "practitioner",
		"generalPractitioner", "prescriber", "enterer", "provider", "sender", "recipient", "informationSource",
		"source", "operator", "collection.collector", "agent.who", "attester.party", "careTeam",
		"orderer", "referrer", "interpreter", "resultsInterpreter"},
}

// relatedPaths lists the Reference elements of typ relating it to a
// resource of type ctxType; self is set when typ is ctxType (the target
// itself is the answer).
func relatedPaths(m *Model, typ, ctxType string) (paths []string, self bool, err error) {
	if typ == ctxType {
		return nil, true, nil
	}
	ti, ok := m.Info(typ)
	if !ok {
		return nil, false, fmt.Errorf("FHIR.%s is not a resource type", typ)
	}
	var cands []string
	if ctxType == "Patient" {
		cands = ti.PatientPaths
	} else if c, ok := relatedCandidates[ctxType]; ok {
		cands = c
	} else {
		cands = []string{strings.ToLower(ctxType[:1]) + ctxType[1:]}
	}
	for _, p := range cands {
		if referencePath(m, ti, p) {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil, false, fmt.Errorf("FHIR.%s has no element referring to the %s of a related-context retrieve ([%s -> %s])", typ, ctxType, ctxType, typ)
	}
	return paths, false, nil
}

// referencePath reports whether the dotted path leads from ti to a
// Reference element.
func referencePath(m *Model, ti *TypeInfo, path string) bool {
	parts := strings.Split(path, ".")
	cur := ti
	for i, p := range parts {
		e, ok := cur.Element(p)
		if !ok {
			return false
		}
		n, ok := e.One.(*types.Named)
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			return n.Name == "Reference"
		}
		if cur, ok = m.Info(n.Name); !ok {
			return false
		}
	}
	return false
}

// refersTo reports whether n refers to the target through one of paths.
func (s *store) refersTo(n *Node, paths []string, t relatedTarget) (bool, error) {
	want := t.typ + "/" + t.id
	for _, p := range paths {
		v, err := n.Get(p)
		if err != nil {
			return false, err
		}
		var refs []*Node
		switch x := v.(type) {
		case *Node:
			refs = append(refs, x)
		case value.List:
			for _, e := range x.Elems {
				if r, ok := e.(*Node); ok {
					refs = append(refs, r)
				}
			}
		}
		for _, ref := range refs {
			r, _ := ref.obj["reference"].(string)
			if r == "" {
				continue
			}
			if pt, ok := parseReference(r); ok && pt.typ+"/"+pt.id == want {
				return true, nil
			}
			if res := s.byURL[r]; res != nil && (res == t.node || (res.TypeName() == t.typ && res.ID() == t.id)) {
				return true, nil
			}
		}
	}
	return false, nil
}

// self returns the target from the store's resources of its type.
func (s *store) self(t relatedTarget) []*Node {
	var out []*Node
	for _, n := range s.byType[t.typ] {
		if n == t.node || n.ID() == t.id {
			out = append(out, n)
		}
	}
	if len(out) == 0 && t.node != nil {
		out = append(out, t.node)
	}
	return out
}
