package cql

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

var testNow = time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)

// evalExpr compiles `define X: expr` (after the given preamble) and
// returns X formatted as CQL text.
func evalExpr(t *testing.T, env *Env, preamble, expr string) (string, error) {
	t.Helper()
	src := "library Test version '1'\n" + preamble + "\ndefine X: " + expr + "\n"
	lib, errs := env.Compile("Test", src)
	if errs != nil {
		return "", errs
	}
	v, err := lib.Eval(context.Background(), "X", EvalOptions{Now: testNow})
	if err != nil {
		return "", err
	}
	return value.Format(v), nil
}

func TestEvalExpressions(t *testing.T) {
	tests := []struct {
		name, preamble, expr, want string
	}{
		{"arith", "", "1 + 2 * 3", "7"},
		{"path where", "", "({1, 2, 3}).where($this > 1)", "{2, 3}"},
		{"path select keeps duplicates", "", "({1, 1, 2}).select($this * 2)", "{2, 2, 4}"},
		{"path select flattens", "", "({1, 2}).select({$this, $this})", "{1, 1, 2, 2}"},
		{"path all", "", "({1, 2}).all($this > 0)", "true"},
		{"path all false", "", "({1, 2}).all($this > 1)", "false"},
		{"path all empty", "", "(List<Integer>{}).all($this > 5)", "true"},
		{"path exists", "", "({1, 2}).exists($this > 1)", "true"},
		{"path exists none", "", "({1, 2}).exists($this > 2)", "false"},
		{"path exists no argument", "", "({1, 2}).exists()", "true"},
		{"path nested this", "", "({1, 2}).where(({10, 20}).exists($this = 20))", "{1, 2}"},
		{"path tuple property", "", "({Tuple { a: 1 }, Tuple { a: 2 }}).where(a > 1).a", "{2}"},
		{"path chain", "", "({1, 2, 3}).where($this > 1).select($this + 1)", "{3, 4}"},
		{"path user fluent wins", "define fluent function where(l List<Integer>, n Integer): 'user'", "({1}).where(1)", "'user'"},
		{"interval instance", "", "Interval { low: 1, high: 5, lowClosed: true, highClosed: false }", "Interval[1, 5)"},
		{"interval instance defaults closed", "", "Interval { low: 1, high: 5 }", "Interval[1, 5]"},
		{"interval instance open low", "", "Interval { low: 1.5, high: 5, lowClosed: false }", "Interval(1.5, 5.0]"},
		{"System.Interval instance", "", "System.Interval { low: @2012-01-01, high: @2012-02-01, highClosed: 1 > 2 }", "Interval[@2012-01-01, @2012-02-01)"},
		{"interval instance null closed bound", "", "Interval { high: 3 } contains 2", "true"},
		{"interval instance null open bound", "", "Interval { high: 3, lowClosed: false } contains 2", "null"},
		{"interval instance in operator", "", "3 in Interval { low: 1, high: 3, highClosed: false }", "false"},
		{"implicit decimal", "", "1 + 2.5", "3.5"},
		{"string concat plus", "", "'a' + 'b'", "'ab'"},
		{"ampersand null", "", "'a' & null", "'a'"},
		{"not equal", "", "1 != 2", "true"},
		{"and short circuit", "", "false and (1/0 > 1)", "false"},
		{"or null", "", "null or true", "true"},
		{"and null", "", "null and true", "null"},
		{"if", "", "if 1 > 2 then 'a' else 'b'", "'b'"},
		{"case selected", "", "case 2 when 1 then 'one' when 2 then 'two' else 'many' end", "'two'"},
		{"case searched", "", "case when 1 > 2 then 1 else 2.5 end", "2.5"},
		{"between", "", "5 between 1 and 10", "true"},
		{"list promotion of elements", "", "{1, 2.5}", "{1.0, 2.5}"},
		{"tuple property", "", "Tuple { a: 1, b: 'x' }.b", "'x'"},
		{"list property", "", "({ Tuple { a: 1 }, Tuple { a: 2 } }).a", "{1, 2}"},
		{"quantity property", "", "(5 'mg').unit", "'mg'"},
		{"define ref", "define Y: 40", "Y + 2", "42"},
		{"parameter default", "parameter P Integer default 7", "P * 2", "14"},
		{"function", "define function Double(x Integer): x * 2", "Double(21)", "42"},
		{"function conversion", "define function Half(x Decimal): x / 2", "Half(3)", "1.5"},
		{"fluent function", "define fluent function Twice(x Integer): x * 2", "(4).Twice()", "8"},
		{"closest overload", "valueset VS: 'urn:x'\ndefine function G(v Vocabulary): 'vocab'\ndefine function G(v Any): 'any'", "G(VS)", "'vocab'"},
		{"recursive function", "define function Fact(n Integer) returns Integer: if n <= 1 then 1 else n * Fact(n - 1)", "Fact(5)", "120"},
		{"query where return", "", "({1, 2, 3, 4}) X where X > 2 return X * 10", "{30, 40}"},
		{"query return distinct default", "", "({1, 2, 2, 3}) X return X", "{1, 2, 3}"},
		{"query return all", "", "({1, 2, 2, 3}) X return all X", "{1, 2, 2, 3}"},
		{"query no return keeps duplicates", "", "({1, 2, 2}) X", "{1, 2, 2}"},
		{"query let", "", "({1, 2}) X let Y: X + 1 return Y", "{2, 3}"},
		{"query with", "", "({1, 2, 3}) X with ({2, 3}) Y such that X = Y return X", "{2, 3}"},
		{"query without", "", "({1, 2, 3}) X without ({2, 3}) Y such that X = Y return X", "{1}"},
		{"query sort by", "", "({Tuple{a: 2}, Tuple{a: 1}, Tuple{a: null}}) X sort by a", "{Tuple { a: null }, Tuple { a: 1 }, Tuple { a: 2 }}"},
		{"query sort by desc", "", "({Tuple{a: 2}, Tuple{a: 3}}) X sort by a desc", "{Tuple { a: 3 }, Tuple { a: 2 }}"},
		{"query sort expr", "", "({3, 1, 2}) X sort desc", "{3, 2, 1}"},
		{"query single source", "", "(4) X return X + 1", "5"},
		{"query null source", "", "(null as Integer) X return X", "null"},
		{"any-typed list source", "", "({1, 2} as Any) X return X", "{1, 2}"},
		{"any-typed single source", "", "(1 as Any) X return X", "1"},
		{"multi source", "", "from ({1, 2}) A, ({3}) B return A + B", "{4, 5}"},
		{"aggregate", "", "({1, 2, 3}) X aggregate S starting 0: S + X", "6"},
		{"aggregate distinct", "", "({1, 2, 2}) X aggregate distinct S starting 0: S + X", "3"},
		{"timing within", "", "@2012-01-05 within 3 days of @2012-01-03", "true"},
		{"timing or less before", "", "@2012-01-01 3 days or less before @2012-01-03", "true"},
		{"timing or more before", "", "@2012-01-01 3 days or more before @2012-01-03", "false"},
		{"timing exact offset", "", "@2012-01-01 3 days before @2012-01-04", "true"},
		{"timing exact offset false", "", "@2012-01-02 3 days before @2012-01-04", "false"},
		{"timing less than", "", "@2012-01-01 less than 3 days before @2012-01-04", "false"},
		{"timing more than", "", "@2012-01-01 more than 2 days before @2012-01-04", "true"},
		{"timing or less after", "", "@2012-01-06 2 days or less after @2012-01-04", "true"},
		{"timing after boundary excluded", "", "@2012-01-04 2 days or less after @2012-01-04", "false"},
		{"timing on or after boundary", "", "@2012-01-04 2 days or less on or after @2012-01-04", "true"},
		{"timing interval ends before start", "", "Interval[@2012-01-01, @2012-01-03] ends 1 day or less before start of Interval[@2012-01-04, @2012-01-10]", "true"},
		{"timing starts during", "", "Interval[@2012-01-05, @2012-03-01] starts during Interval[@2012-01-04, @2012-01-10]", "true"},
		{"timing same day or after", "", "@2012-01-04T10:00:00 same day or after @2012-01-04T23:00:00", "true"},
		{"timing properly within", "", "@2012-01-07 properly within 3 days of @2012-01-04", "false"},
		{"is", "", "5 is Integer", "true"},
		{"as fails to null", "", "(5 as Any) as String", "null"},
		{"convert", "", "convert '5' to Integer", "5"},
		{"minimum", "", "minimum Integer", "-2147483648"},
		{"interval point type promoted", "", "Interval[1, 2.5]", "Interval[1.0, 2.5]"},
		{"code selector", "codesystem LOINC: 'http://loinc.org'", "Code '8480-6' from LOINC display 'SBP'", "Code { code: '8480-6', system: 'http://loinc.org', display: 'SBP' }"},
		{"list promotion", "", "Count(5) + Count(Tuple { a: 1 })", "2"},
		{"list promotion with conversion", "define function Total(l List<Decimal>): Sum(l)", "Total(2)", "2.0"},
		{"tuple conversion", "", "Tuple { a: 1 } = Tuple { a: 1.0 }", "true"},
		{"list of tuples", "", "{ Tuple { a: 1 }, Tuple { a: 2.5 } }", "{Tuple { a: 1.0 }, Tuple { a: 2.5 }}"},
		{"age calculation", "", "CalculateAgeInYearsAt(@2000-03-16, @2024-03-15)", "23"},
		{"age calculation today", "", "CalculateAgeInMonths(@2024-01-15)", "2"},
		{"list demotion", "", "Abs({-3})", "3"},
		{"list demotion of empty list", "", "Abs(List<Integer>{})", "null"},
		{"code def", "codesystem LOINC: 'http://loinc.org'\ncode SBP: '8480-6' from LOINC", "SBP.code", "'8480-6'"},
	}
	env := NewEnv()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalExpr(t, env, tt.preamble, tt.expr)
			if err != nil {
				t.Fatalf("%s: %v", tt.expr, err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		code      string
		line, col int
	}{
		{"undeclared", "library T\ndefine X: Y + 1", "undeclared-identifier", 2, 11},
		{"no overload", "library T\ndefine X: 1 + 'a'", "no-matching-overload", 2, 11},
		{"type mismatch where", "library T\ndefine X: ({1}) A where A + 1", "type-mismatch", 2, 25},
		{"cycle", "library T\ndefine X: Y\ndefine Y: X", "cycle", 2, 1},
		{"include missing", "library T\ninclude Other version '1' called O\ndefine X: 1", "include-not-found", 2, 1},
		{"unknown model", "library T\nusing QDM version '5'\ndefine X: 1", "unknown-model", 2, 1},
		{"syntax", "library T\ndefine X: (1 + ", "syntax", 2, 0},
		{"$this outside a path function", "library T\ndefine X: $this + 1", "undeclared-identifier", 2, 11},
		{"tuple equivalence of different shapes", "library T\ndefine X: Tuple { a: 1 } ~ Tuple { a: 1, b: 2 }", "no-matching-overload", 2, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := NewEnv().Compile("T", tt.src)
			if errs == nil {
				t.Fatalf("compiled without errors")
			}
			e := errs[0]
			if e.Code != tt.code || e.Line != tt.line || (tt.col != 0 && e.Col != tt.col) {
				t.Errorf("got %v (line %d col %d), want code %s at %d:%d", e, e.Line, e.Col, tt.code, tt.line, tt.col)
			}
			if e.Library != "T" || e.Source == "" {
				t.Errorf("error lacks library or source line: %+v", e)
			}
			if !strings.Contains(e.Caret(), "^") {
				t.Errorf("caret rendering missing: %q", e.Caret())
			}
		})
	}
}

func TestAllErrorsCollected(t *testing.T) {
	_, errs := NewEnv().Compile("T", "library T\ndefine A: Nope\ndefine B: 1 + 'x'\ndefine C: Other")
	if len(errs) != 3 {
		t.Fatalf("want 3 errors, got %d: %v", len(errs), errs)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Line < errs[i-1].Line {
			t.Errorf("errors not sorted: %v", errs)
		}
	}
}

type mapResolver map[string]string

func (m mapResolver) ResolveLibrary(name, version string) (string, error) {
	if s, ok := m[name]; ok {
		return s, nil
	}
	return "", errors.New("not found")
}

func TestIncludes(t *testing.T) {
	libs := mapResolver{
		"Common": "library Common version '1.0'\nparameter Factor Integer default 3\ndefine Ten: 10\ndefine private Hidden: 1\ndefine function Triple(x Integer): x * Factor\n",
		"A":      "library A version '1'\ninclude B version '1' called B\ndefine X: 1\n",
		"B":      "library B version '1'\ninclude A version '1' called A\ndefine Y: 2\n",
		"Self":   "include Self called S\ndefine Z: 3\n",
	}
	env := NewEnv(WithLibraryResolver(libs))
	got, err := evalExpr(t, env, "include Common version '1.0' called C", "C.Ten + C.Triple(2) + C.Factor")
	if err != nil || got != "19" {
		t.Fatalf("got %s, %v; want 19", got, err)
	}
	if _, err := evalExpr(t, env, "include Common version '1.0' called C", "C.Hidden"); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("private access: got %v", err)
	}
	if _, err := evalExpr(t, env, "include Common version '2.0' called C", "1"); err == nil {
		t.Errorf("version mismatch not reported")
	}
	_, errs := env.Compile("A", libs["A"])
	if errs == nil || !strings.Contains(errs.Error(), "cycle") {
		t.Errorf("include cycle: got %v", errs)
	}
	_, errs = env.Compile("T", "library T\ninclude Self called S\ndefine X: 1")
	if errs == nil || !strings.Contains(errs.Error(), "cycle") {
		t.Errorf("self-including library without header: got %v", errs)
	}
}

func TestRuntimeErrors(t *testing.T) {
	env := NewEnv()
	if _, err := evalExpr(t, env, "", "Abs({1, 2})"); err == nil {
		t.Errorf("demoting a list of two elements did not fail")
	}
	lib, errs := env.Compile("T", "library T\ndefine X:\n  Interval[5, 1]\ndefine F: Fact(100000)\ndefine function Fact(n Integer) returns Integer: if n <= 1 then 1 else n * Fact(n - 1)\n")
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := lib.Eval(context.Background(), "X", EvalOptions{})
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Line != 3 || ee.Col != 3 {
		t.Fatalf("want EvalError at 3:3, got %#v", err)
	}
	_, err = lib.Eval(context.Background(), "F", EvalOptions{MaxDepth: 50})
	var le *builtins.LimitError
	if !errors.As(err, &ee) || !errors.As(err, &le) {
		t.Fatalf("want recursion LimitError, got %v", err)
	}
}

func TestLimitsAndCancellation(t *testing.T) {
	elems := make([]value.Value, 5000)
	for i := range elems {
		elems[i] = value.Integer(i)
	}
	params := map[string]value.Value{"L": value.List{Elems: elems, ElemType: types.Integer}}
	lib, errs := NewEnv().Compile("T", "library T\nparameter L List<Integer>\ndefine X: from L A, L B return A + B")
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := lib.Eval(context.Background(), "X", EvalOptions{Parameters: params, MaxListSize: 100})
	var le *builtins.LimitError
	if !errors.As(err, &le) {
		t.Errorf("want list size LimitError, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = lib.Eval(ctx, "X", EvalOptions{Parameters: params})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = lib.Eval(ctx, "X", EvalOptions{Parameters: params})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want context.DeadlineExceeded, got %v", err)
	}
}

func TestDefinesEvaluatedOnce(t *testing.T) {
	lib, errs := NewEnv().Compile("T", "library T\ndefine A: Now()\ndefine B: A = A\ndefine C: Now() = A\n")
	if errs != nil {
		t.Fatal(errs)
	}
	res := lib.EvalAll(context.Background(), EvalOptions{})
	if len(res) != 3 || res[0].Name != "A" {
		t.Fatalf("EvalAll: %+v", res)
	}
	for _, r := range res[1:] {
		if r.Err != nil || r.Value != value.Boolean(true) {
			t.Errorf("%s = %v, %v; want true", r.Name, r.Value, r.Err)
		}
	}
	if got := lib.Defines(); len(got) != 3 || got[2] != "C" {
		t.Errorf("Defines() = %v", got)
	}
}

func TestConcurrentEval(t *testing.T) {
	lib, errs := NewEnv().Compile("T", "library T\nparameter N Integer default 10\ndefine L: expand { Interval[1, N] } per 1\ndefine S: Sum((L) I return end of I)\ndefine Q: (L) I where end of I > 5 return end of I sort desc\n")
	if errs != nil {
		t.Fatal(errs)
	}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			n := g + 1
			opts := EvalOptions{Parameters: map[string]value.Value{"N": value.Integer(n)}}
			for i := 0; i < 50; i++ {
				v, err := lib.Eval(context.Background(), "S", opts)
				if err != nil {
					t.Error(err)
					return
				}
				if want := value.Integer(n * (n + 1) / 2); v != want {
					t.Errorf("N=%d: S = %v, want %v", n, v, want)
					return
				}
				for _, r := range lib.EvalAll(context.Background(), opts) {
					if r.Err != nil {
						t.Error(r.Err)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestParameterValues(t *testing.T) {
	lib, errs := NewEnv().Compile("T", "library T\nparameter D Decimal\nparameter S String default 'x'\ndefine X: D + 1\ndefine Y: S")
	if errs != nil {
		t.Fatal(errs)
	}
	ps := lib.Parameters()
	if len(ps) != 2 || ps[0].Name != "D" || ps[0].Type.String() != "System.Decimal" || ps[0].HasDefault || !ps[1].HasDefault {
		t.Errorf("Parameters() = %+v", ps)
	}
	v, err := lib.Eval(context.Background(), "X", EvalOptions{Parameters: map[string]value.Value{"D": value.Integer(2)}})
	if err != nil || value.Format(v) != "3.0" {
		t.Errorf("X = %v, %v; want 3.0", value.Format(v), err)
	}
	if _, err := lib.Eval(context.Background(), "Y", EvalOptions{Parameters: map[string]value.Value{"S": value.Integer(2)}}); err == nil {
		t.Errorf("a wrongly typed parameter value was accepted")
	}
	v, err = lib.Eval(context.Background(), "Y", EvalOptions{})
	if err != nil || v != value.String("x") {
		t.Errorf("Y = %v, %v; want 'x'", v, err)
	}
}

func TestIncludeCacheSeesNestedChanges(t *testing.T) {
	libs := mapResolver{
		"B": "library B version '1'\ninclude C version '1' called C\ndefine Y: C.Z\n",
		"C": "library C version '1'\ndefine Z: 1\n",
	}
	env := NewEnv(WithLibraryResolver(libs))
	src := "library A\ninclude B version '1' called B\ndefine X: B.Y\n"
	eval := func() string {
		lib, errs := env.Compile("A", src)
		if errs != nil {
			t.Fatal(errs)
		}
		v, err := lib.Eval(context.Background(), "X", EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return value.Format(v)
	}
	if got := eval(); got != "1" {
		t.Fatalf("X = %s, want 1", got)
	}
	libs["C"] = "library C version '1'\ndefine Z: 2\n"
	if got := eval(); got != "2" {
		t.Errorf("after C changed, X = %s, want 2 (stale include cache)", got)
	}
}

func TestLiteralListRespectsLimit(t *testing.T) {
	lib, errs := NewEnv().Compile("T", "library T\ndefine X: {1, 2, 3, 4, 5}")
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := lib.Eval(context.Background(), "X", EvalOptions{MaxListSize: 3})
	var le *builtins.LimitError
	if !errors.As(err, &le) {
		t.Errorf("want a LimitError for a 5-element literal list with limit 3, got %v", err)
	}
}

func TestParametersReachIncludes(t *testing.T) {
	libs := mapResolver{
		"Inner": "library Inner version '1'\nparameter Enc String default 'inner-default'\nparameter N Integer default 1\ndefine E: Enc\ndefine M: N\n",
		"Mid":   "library Mid version '1'\ninclude Inner version '1' called I\nparameter Enc String\ndefine E: Enc + '/' + I.E\n",
	}
	env := NewEnv(WithLibraryResolver(libs))
	src := "library Main version '1'\ninclude Mid version '1' called M\ninclude Inner version '1' called I\n" +
		"parameter Enc String\nparameter N String default 'main'\n" +
		"define X: Enc + '|' + M.E + '|' + I.E\ndefine Y: N + '|' + ToString(I.M)\n"
	lib, errs := env.Compile("Main", src)
	if errs != nil {
		t.Fatal(errs)
	}
	s := func(v string) value.Value { return value.String(v) }
	tests := []struct {
		name   string
		params map[string]value.Value
		def    string
		want   string
	}{
		{"plain name reaches every library", map[string]value.Value{"Enc": s("e1")}, "X", "'e1|e1/e1|e1'"},
		{"qualified name wins for its library", map[string]value.Value{"Enc": s("e1"), "Inner.Enc": s("e2")}, "X", "'e1|e1/e2|e2'"},
		{"qualified main name", map[string]value.Value{"Main.Enc": s("a"), "Mid.Enc": s("b")}, "X", "'a|b/inner-default|inner-default'"},
		{"no value keeps defaults", nil, "Y", "'main|1'"},
		// A plain value that does not fit an included library's parameter
		// leaves that library's default in place.
		{"type mismatch keeps include default", map[string]value.Value{"N": s("x")}, "Y", "'x|1'"},
		{"plain and qualified with different types", map[string]value.Value{"N": s("x"), "Inner.N": value.Integer(7)}, "Y", "'x|7'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := lib.Eval(context.Background(), tc.def, EvalOptions{Parameters: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			if got := value.Format(v); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.def, got, tc.want)
			}
		})
	}
	// A qualified value of the wrong type is still an error.
	if _, err := lib.Eval(context.Background(), "Y", EvalOptions{Parameters: map[string]value.Value{"Inner.N": s("x")}}); err == nil {
		t.Error("Inner.N = 'x' (String for an Integer parameter): no error")
	}
	// Main's Enc has no default: reading it without a value is an error
	// that names it (an explicit null is a value).
	_, err := lib.Eval(context.Background(), "X", EvalOptions{Parameters: map[string]value.Value{"Mid.Enc": s("m")}})
	if err == nil || !strings.Contains(err.Error(), `parameter "Enc" of library Main has no default`) {
		t.Errorf("Enc without a value: err = %v", err)
	}
	if v, err := lib.Eval(context.Background(), "X", EvalOptions{Parameters: map[string]value.Value{"Enc": nil}}); err != nil || v != nil {
		t.Errorf("Enc = null: %v, %v", v, err)
	}

	for _, tc := range []struct {
		params map[string]value.Value
		want   string // "" for no error
	}{
		{map[string]value.Value{"Enc": s("e"), "N": s("x"), "Inner.N": value.Integer(2), "Mid.Enc": nil}, ""},
		{map[string]value.Value{"Enc": value.Integer(1)}, `parameter "Enc" of library Main is of type System.String; the value given is of type System.Integer`},
		{map[string]value.Value{"Inner.N": s("x")}, `parameter "N" of library Inner is of type System.Integer`},
		{map[string]value.Value{"Nope": s("x")}, `no library of the evaluation declares a parameter named "Nope"`},
		{map[string]value.Value{"Mid.N": s("x")}, `library Mid declares no parameter named "N"`},
	} {
		err := lib.CheckParameters(tc.params)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckParameters(%v) = %v, want %q", tc.params, err, tc.want)
		}
	}
}

func TestParseParameter(t *testing.T) {
	for _, tc := range []struct{ in, name, want, err string }{
		{in: "Measurement Period=Interval[@2022-01-01T00:00:00.0, @2023-01-01T00:00:00.0)", name: "Measurement Period",
			want: "Interval[@2022-01-01T00:00:00.000, @2023-01-01T00:00:00.000)"},
		{in: "Lib.Threshold = 5 'mg'", name: "Lib.Threshold", want: "5 'mg'"},
		{in: "X=null", name: "X", want: "null"},
		{in: "X={1, 2}", name: "X", want: "{1, 2}"},
		{in: "X=Interval[@2022-01-01, ", err: `parameter "X": `},
		{in: "X=", err: "the value is empty"},
		{in: "no equals sign", err: "want NAME=VALUE"},
		{in: "X=[Patient]", err: `parameter "X": `},
	} {
		name, v, err := ParseParameter(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseParameter(%q): err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseParameter(%q): %v", tc.in, err)
			continue
		}
		if name != tc.name || value.Format(v) != tc.want {
			t.Errorf("ParseParameter(%q) = %q, %s; want %q, %s", tc.in, name, value.Format(v), tc.name, tc.want)
		}
	}
}
