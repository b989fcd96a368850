package cql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// A tiny data model: Test.Person { name Test.str, age System.Integer }, where
// Test.str converts implicitly to System.String.
var (
	tPerson = &types.Named{Model: "Test", Name: "Person"}
	tStr    = &types.Named{Model: "Test", Name: "str"}
	tSpan   = &types.Named{Model: "Test", Name: "span"}
)

type testModel struct{}

func (testModel) Name() string { return "Test" }
func (testModel) ResolveType(name string) (*types.Named, bool) {
	switch name {
	case "Person":
		return tPerson, true
	case "str":
		return tStr, true
	case "span":
		return tSpan, true
	}
	return nil, false
}
func (testModel) PropertyType(t types.Type, name string) (types.Type, bool) {
	if types.Equal(t, tPerson) {
		switch name {
		case "name":
			return tStr, true
		case "age":
			return types.Integer, true
		case "nick":
			return types.NewChoice(tStr, types.Integer), true
		case "life":
			return tSpan, true
		}
	}
	return nil, false
}
func (testModel) ImplicitConversion(from types.Type) (types.Type, func(value.Value) (value.Value, error), bool) {
	if types.Equal(from, tStr) {
		return types.String, func(v value.Value) (value.Value, error) { return value.String(v.(str)), nil }, true
	}
	if types.Equal(from, tSpan) {
		return &types.Interval{Point: types.Integer}, func(v value.Value) (value.Value, error) {
			s := v.(span)
			return value.Interval{Low: value.Integer(s[0]), High: value.Integer(s[1]), LowClosed: true, HighClosed: true, PointType: types.Integer}, nil
		}, true
	}
	return nil, nil, false
}

type str string

func (str) Type() types.Type { return tStr }

type span [2]int32

func (span) Type() types.Type { return tSpan }

type person struct {
	name string
	age  int32
}

func (person) Type() types.Type { return tPerson }
func (p person) Property(name string) (value.Value, error) {
	switch name {
	case "name":
		return str(p.name), nil
	case "age":
		return value.Integer(p.age), nil
	case "nick":
		return str(p.name[:1]), nil
	case "life":
		return span{0, p.age}, nil
	}
	return nil, fmt.Errorf("no element %s", name)
}

type testRetriever []value.Value

func (r testRetriever) Retrieve(ctx context.Context, t *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	if t.Name != "Person" {
		return nil, nil
	}
	return r, nil
}

type testTerms map[string][]string

func (tt testTerms) InValueSet(ctx context.Context, c value.Code, vs value.ValueSetRef) (bool, error) {
	for _, code := range tt[vs.ID] {
		if code == c.Code {
			return true, nil
		}
	}
	return false, nil
}

func TestModelRetrieveTerminologyNatives(t *testing.T) {
	people := testRetriever{person{"Ann", 40}, person{"Bob", 12}}
	env := NewEnv(WithModel(testModel{}), WithRetriever(people),
		WithTerminology(testTerms{"urn:vs": {"a", "b"}}),
		WithNativeFunction("Test", "Shout", func(args []value.Value) (value.Value, error) {
			s, _ := args[0].(value.String)
			return value.String(string(s) + "!"), nil
		}))
	src := `library Test version '1'
using Test
codesystem CS: 'urn:cs'
valueset VS: 'urn:vs'
define function Shout(s String) returns String: external
define Adults: [Person] P where P.age >= 18 return P.name
define Names: [Person] P return Upper(P.name)
define Shouted: Shout(First(Adults))
define Nicks: [Person] P return Upper(P.nick)
define NickStrings: [Person] P return (P.nick as String) + '?'
define NickIs: [Person] P return P.nick is String
define LifeEnds: [Person] P return end of P.life
define Teen: [Person] P where 10 in P.life and not (20 in P.life) return Upper(P.name)
define InVS: Code 'a' from CS in VS
define NotInVS: Code 'z' from CS in VS
define InCS: Code 'a' from CS in CS
`
	lib, errs := env.Compile("Test", src)
	if errs != nil {
		t.Fatal(errs)
	}
	want := map[string]string{"Names": "{'ANN', 'BOB'}", "Nicks": "{'A', 'B'}", "NickStrings": "{'A?', 'B?'}", "NickIs": "{true}", "LifeEnds": "{40, 12}", "Teen": "{'BOB'}", "Shouted": "'Ann!'", "InVS": "true", "NotInVS": "false", "InCS": "true"}
	for _, r := range lib.EvalAll(context.Background(), EvalOptions{}) {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Name, r.Err)
			continue
		}
		if w, ok := want[r.Name]; ok && value.Format(r.Value) != w {
			t.Errorf("%s = %s, want %s", r.Name, value.Format(r.Value), w)
		}
	}
	// Without a terminology provider, value set membership is a run-time error.
	lib2, _ := NewEnv(WithModel(testModel{})).Compile("Test", src)
	if _, err := lib2.Eval(context.Background(), "InVS", EvalOptions{}); err == nil {
		t.Errorf("want an error without terminology provider")
	}
}

// requestRetriever records the requests it receives and returns the people
// whose name is the context's name (all people without a context).
type requestRetriever struct {
	people testRetriever
	got    []RetrieveRequest
}

func (r *requestRetriever) Retrieve(ctx context.Context, t *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	return nil, fmt.Errorf("Retrieve called instead of RetrieveRequest")
}

func (r *requestRetriever) RetrieveRequest(ctx context.Context, req RetrieveRequest) ([]value.Value, error) {
	r.got = append(r.got, req)
	if !req.HasContext {
		return r.people, nil
	}
	ctxPerson, ok := req.Context.(person)
	if !ok {
		return nil, fmt.Errorf("context %v is not a person", req.Context)
	}
	var out []value.Value
	for _, p := range r.people {
		if p.(person).name != ctxPerson.name {
			out = append(out, p)
		}
	}
	return out, nil
}

func TestRetrieveRequests(t *testing.T) {
	src := `library Test version '1'
using Test
codesystem CS: 'urn:cs'
valueset VS: 'urn:vs'
code "A": 'a' from CS
define Ann: First([Person] P where P.age > 18)
define Nobody: null as Person
define All: [Person] P return P.age
define InVS: [Person: name in VS] P return P.age
define Equiv: [Person: name ~ "A"] P return P.age
define Implied: [Person: "A"] P return P.age
define Others: [Ann -> Person] P return P.age
define NoContext: [Nobody -> Person] P return P.age
`
	a := value.Code{Code: "a", System: "urn:cs"}
	tests := []struct {
		def  string
		want string
		req  RetrieveRequest
	}{
		{"All", "{40, 12}", RetrieveRequest{}},
		{"InVS", "{40, 12}", RetrieveRequest{CodePath: "name", CodeComparator: "in", Codes: value.ValueSetRef{ID: "urn:vs"}}},
		{"Equiv", "{40, 12}", RetrieveRequest{CodePath: "name", CodeComparator: "~", Codes: a}},
		{"Implied", "{40, 12}", RetrieveRequest{Codes: a}},
		{"Others", "{12}", RetrieveRequest{HasContext: true, Context: person{"Ann", 40}}},
	}
	for _, tc := range tests {
		t.Run(tc.def, func(t *testing.T) {
			rr := &requestRetriever{people: testRetriever{person{"Ann", 40}, person{"Bob", 12}}}
			lib, errs := NewEnv(WithModel(testModel{}), WithRetriever(rr)).Compile("Test", src)
			if errs != nil {
				t.Fatal(errs)
			}
			v, err := lib.Eval(context.Background(), tc.def, EvalOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := value.Format(v); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.def, got, tc.want)
			}
			last := rr.got[len(rr.got)-1]
			if last.DataType == nil || last.DataType.Name != "Person" {
				t.Errorf("data type %v", last.DataType)
			}
			last.DataType = nil
			if fmt.Sprint(last) != fmt.Sprint(tc.req) {
				t.Errorf("request %+v, want %+v", last, tc.req)
			}
		})
	}
	// A null context retrieves nothing, without asking the retriever.
	rr := &requestRetriever{people: testRetriever{person{"Ann", 40}}}
	lib, errs := NewEnv(WithModel(testModel{}), WithRetriever(rr)).Compile("Test", src)
	if errs != nil {
		t.Fatal(errs)
	}
	if v, err := lib.Eval(context.Background(), "NoContext", EvalOptions{}); err != nil || value.Format(v) != "{}" || len(rr.got) != 0 {
		t.Errorf("NoContext = %v, %v (%d requests)", v, err, len(rr.got))
	}
	// A retriever without RetrieveRequest cannot serve a related-context retrieve.
	lib, _ = NewEnv(WithModel(testModel{}), WithRetriever(testRetriever{person{"Ann", 40}})).Compile("Test", src)
	if _, err := lib.Eval(context.Background(), "Others", EvalOptions{}); err == nil {
		t.Error("related-context retrieve with a plain Retriever: no error")
	}
	if v, err := lib.Eval(context.Background(), "All", EvalOptions{}); err != nil || value.Format(v) != "{40}" {
		t.Errorf("All with a plain Retriever = %v, %v", v, err)
	}
}

// expandingTerms is testTerms with expansion (codes of system urn:cs).
type expandingTerms struct{ testTerms }

func (tt expandingTerms) Expand(ctx context.Context, vs value.ValueSetRef) ([]value.Code, error) {
	codes, ok := tt.testTerms[vs.ID]
	if !ok {
		return nil, fmt.Errorf("unknown value set %s", vs.ID)
	}
	var out []value.Code
	for _, c := range codes {
		out = append(out, value.Code{Code: c, System: "urn:cs"})
	}
	return out, nil
}

func TestValueSetAsList(t *testing.T) {
	terms := expandingTerms{testTerms{"urn:vs": {"a", "b"}, "urn:empty": {}}}
	src := `library Test version '1'
codesystem CS: 'urn:cs'
valueset VS: 'urn:vs'
valueset Empty: 'urn:empty'
define function Codes(l List<Code>): l C return C.code
define function Concepts(l List<Concept>): Count(l)
define X: 1
`
	tests := []struct{ expr, want string }{
		{"exists VS", "true"},
		{"exists Empty", "false"},
		{"Count(VS)", "2"},
		{"VS contains Code 'b' from CS", "true"},
		{"VS contains Code 'z' from CS", "false"},
		{"VS V where V.code = 'b' return V.code", "{'b'}"},
		{"First(VS).code", "'a'"},
		{"Codes(VS)", "{'a', 'b'}"},
		{"Concepts(VS)", "2"},
		{"VS union Empty", "{Code { code: 'a', system: 'urn:cs' }, Code { code: 'b', system: 'urn:cs' }}"},
		{"Code 'a' from CS in VS", "true"},
		{"VS ~ VS", "true"},
	}
	env := NewEnv(WithTerminology(terms))
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			lib, errs := env.Compile("Test", src+"define Y: "+tc.expr+"\n")
			if errs != nil {
				t.Fatal(errs)
			}
			v, err := lib.Eval(context.Background(), "Y", EvalOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := value.Format(v); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
			}
		})
	}
	// A terminology provider that cannot expand: a run-time error.
	lib, errs := NewEnv(WithTerminology(terms.testTerms)).Compile("Test", src+"define Y: Count(VS)\n")
	if errs != nil {
		t.Fatal(errs)
	}
	if _, err := lib.Eval(context.Background(), "Y", EvalOptions{}); err == nil || !strings.Contains(err.Error(), "expand") {
		t.Errorf("Count(VS) without expansion: %v", err)
	}
}
