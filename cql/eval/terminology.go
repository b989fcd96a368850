package eval

import (
	"context"
	"errors"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Terminology answers value set membership questions.
type Terminology interface {
	// InValueSet reports whether code (a value.Code, or a value.String
	// holding a bare code) is a member of the value set.
	InValueSet(ctx context.Context, code value.Code, vs value.ValueSetRef) (bool, error)
}

// Expander is a Terminology that also lists the codes of a value set
// (used where a value set stands for a List<Code>: `exists "VS"`,
// `Count("VS")`, a query over "VS").
type Expander interface {
	Expand(ctx context.Context, vs value.ValueSetRef) ([]value.Code, error)
}

// CodeSystemMember is a Terminology that can also tell whether a code is
// defined by a code system (`code in "SomeCodeSystem"`). Without it, or when
// it does not know the code system (an error matching
// ErrCodeSystemNotFound, as for LOINC or SNOMED CT, which packages do not
// ship), a code counts as in a code system when its system (and version,
// when both are given) names that code system.
type CodeSystemMember interface {
	InCodeSystem(ctx context.Context, code value.Code, cs value.CodeSystemRef) (bool, error)
}

// ErrCodeSystemNotFound is what a CodeSystemMember's error matches (with
// errors.Is) when it does not know the code system.
var ErrCodeSystemNotFound = errors.New("code system not found")

// inCodeSystem answers `code in "CodeSystem"`.
func inCodeSystem(f *frame, c value.Code, cs value.CodeSystemRef) (bool, error) {
	if m, ok := f.a.terms.(CodeSystemMember); ok {
		in, err := m.InCodeSystem(f.a.ctx, c, cs)
		if !errors.Is(err, ErrCodeSystemNotFound) {
			return in, err
		}
	}
	return c.System == cs.ID && (cs.Version == "" || c.Version == "" || c.Version == cs.Version), nil
}

// expandValueSet returns the codes of the value set v as a List<Code>.
func expandValueSet(f *frame, v value.Value) (value.Value, error) {
	vs, ok := v.(value.ValueSetRef)
	if !ok {
		return nil, builtins.Errorf("expected a value set, got %s", v.Type())
	}
	if f.a.terms == nil {
		return nil, builtins.Errorf("cannot expand value set %s: %v", vs.ID, ErrNoTerminology)
	}
	ex, ok := f.a.terms.(Expander)
	if !ok {
		return nil, builtins.Errorf("cannot expand value set %s: the terminology provider does not expand value sets", vs.ID)
	}
	codes, err := ex.Expand(f.a.ctx, vs)
	if err != nil {
		return nil, err
	}
	if err := f.a.b.CheckListSize(len(codes)); err != nil {
		return nil, err
	}
	if err := f.a.b.Charge(len(codes) * (builtins.SlotBytes + builtins.ValueBytes)); err != nil {
		return nil, err
	}
	elems := make([]value.Value, len(codes))
	for i, c := range codes {
		elems[i] = c
	}
	return value.List{Elems: elems, ElemType: types.Code}, nil
}

// ErrNoTerminology is the cause of errors raised when a value set
// membership test runs without a terminology provider.
var ErrNoTerminology = errors.New("no terminology provider is configured")

func (p *planner) planTermIn(x *checker.TermIn) fn {
	code, set := p.plan(x.Code), p.plan(x.Set)
	lib, pos := p.cur.lib.Name, x.P
	models := x.Models
	return func(f *frame) (value.Value, error) {
		cv, err := code(f)
		if err != nil || cv == nil {
			return nil, err
		}
		sv, err := set(f)
		if err != nil || sv == nil {
			return nil, err
		}
		var codes []value.Code
		collect := func(v value.Value) {
			if models != nil && isModelValue(v) {
				v = toTerm(models, v)
			}
			switch c := v.(type) {
			case value.Code:
				codes = append(codes, c)
			case value.Concept:
				codes = append(codes, c.Codes...)
			case value.String:
				codes = append(codes, value.Code{Code: string(c)})
			}
		}
		if l, ok := cv.(value.List); ok {
			for _, e := range l.Elems {
				collect(e)
			}
		} else {
			collect(cv)
		}
		for _, c := range codes {
			var in bool
			switch s := sv.(type) {
			case value.CodeSystemRef:
				if in, err = inCodeSystem(f, c, s); err != nil {
					return nil, wrap(err, lib, pos.Line, pos.Col)
				}
			case value.ValueSetRef:
				if f.a.terms == nil {
					return nil, wrap(builtins.Errorf("cannot test membership in value set %s: %v", s.ID, ErrNoTerminology), lib, pos.Line, pos.Col)
				}
				in, err = f.a.terms.InValueSet(f.a.ctx, c, s)
				if err != nil {
					return nil, wrap(err, lib, pos.Line, pos.Col)
				}
			}
			if in {
				return value.Boolean(true), nil
			}
		}
		return value.Boolean(false), nil
	}
}

// toTerm converts a model value (a FHIR Coding or CodeableConcept) to a
// System Code or Concept; other values come back unchanged.
func toTerm(m *checker.Matcher, v value.Value) value.Value {
	for _, t := range []types.Type{types.Code, types.Concept, types.String} {
		conv, ok := m.ConvertDynamic(v, t)
		if !ok || conv == nil || conv.Dynamic != nil {
			continue
		}
		if r, err := convert(conv, v); err == nil {
			return r
		}
	}
	return v
}
