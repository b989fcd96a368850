package ucum

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/ucum/internal/gen"
	"github.com/ccg-project/ccg/internal/sharedtest"
	"github.com/cockroachdb/apd/v3"
)

// The committed units_gen.go is what the generator makes of
// ucum-essence.xml: run `make generate` after the table changes.
func TestUnitsGenUpToDate(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "conformance", "ucum"), "ucum-essence.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := gen.Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("units_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("units_gen.go is stale: run `make generate`")
	}
}

// Every unit atom of the table resolves: its definition parses and refers
// only to units of the table.
func TestEveryAtomResolves(t *testing.T) {
	for sym := range atoms {
		if err := Valid(sym); err != nil {
			t.Errorf("%s: %v", sym, err)
		}
	}
}

type ucumTests struct {
	Validation []struct {
		ID     string `xml:"id,attr"`
		Unit   string `xml:"unit,attr"`
		Valid  bool   `xml:"valid,attr"`
		Reason string `xml:"reason,attr"`
	} `xml:"validation>case"`
	Display []struct {
		ID string `xml:"id,attr"`
	} `xml:"displayNameGeneration>case"`
	Conversion []struct {
		ID      string `xml:"id,attr"`
		Value   string `xml:"value,attr"`
		Src     string `xml:"srcUnit,attr"`
		Dst     string `xml:"dstUnit,attr"`
		Outcome string `xml:"outcome,attr"`
	} `xml:"conversion>case"`
	Multiplication []arithCase `xml:"multiplication>case"`
	Division       []arithCase `xml:"division>case"`
}

type arithCase struct {
	ID   string `xml:"id,attr"`
	V1   string `xml:"v1,attr"`
	U1   string `xml:"u1,attr"`
	V2   string `xml:"v2,attr"`
	U2   string `xml:"u2,attr"`
	VRes string `xml:"vRes,attr"`
	URes string `xml:"uRes,attr"`
}

// TestUcumFunctionalTests runs UCUM's functional tests
// (UcumFunctionalTests.xml): validation, conversion, multiplication and
// division, and requires 99% of them to pass (all do; a failure is
// reported either way). The display name cases are not run: ccg does not
// generate UCUM display names (CQL has no use for them).
func TestUcumFunctionalTests(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "conformance", "ucum"), "UcumFunctionalTests.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suite ucumTests
	if err := xml.Unmarshal(b, &suite); err != nil {
		t.Fatal(err)
	}
	pass, fail := 0, 0
	check := func(id string, err string) {
		if err != "" {
			fail++
			t.Errorf("%s: %s", id, err)
			return
		}
		pass++
	}
	for _, c := range suite.Validation {
		err := Valid(c.Unit)
		switch {
		case c.Valid && err != nil:
			check("validation "+c.ID, "unit "+c.Unit+" is valid, got "+err.Error())
		case !c.Valid && err == nil:
			check("validation "+c.ID, "unit "+c.Unit+" is invalid ("+c.Reason+"), got no error")
		default:
			check("validation "+c.ID, "")
		}
	}
	for _, c := range suite.Conversion {
		v, _, err := apd.NewFromString(c.Value)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Convert(v, c.Src, c.Dst)
		if err != nil {
			check("conversion "+c.ID, err.Error())
			continue
		}
		check("conversion "+c.ID, sameTo(r, c.Outcome))
	}
	arith := func(kind string, cases []arithCase, op func(a, b string) string, fn func(r, a, b *apd.Decimal) error) {
		for _, c := range cases {
			v1, _, err1 := apd.NewFromString(c.V1)
			v2, _, err2 := apd.NewFromString(c.V2)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s %s: bad numbers", kind, c.ID)
			}
			r := new(apd.Decimal)
			if err := fn(r, v1, v2); err != nil {
				t.Fatal(err)
			}
			unit := op(c.U1, c.U2)
			// The result must convert to the expected value in the
			// expected unit (its own unit may be spelt differently).
			want := c.URes
			if want == "" {
				want = "1"
			}
			conv, err := Convert(r, unit, want)
			if err != nil {
				check(kind+" "+c.ID, err.Error())
				continue
			}
			check(kind+" "+c.ID, sameTo(conv, c.VRes))
		}
	}
	arith("multiplication", suite.Multiplication, Multiply, func(r, a, b *apd.Decimal) error { _, err := ctx.Mul(r, a, b); return err })
	arith("division", suite.Division, Divide, func(r, a, b *apd.Decimal) error { _, err := ctx.Quo(r, a, b); return err })
	total := pass + fail
	rate := float64(pass) / float64(total) * 100
	t.Logf("UCUM functional tests: %d of %d pass (%.1f%%), %d fail; %d display name cases not run",
		pass, total, rate, fail, len(suite.Display))
	if rate < 99 {
		t.Errorf("pass rate %.1f%% is below 99%%", rate)
	}
}

// sameTo reports "" when got, rounded to the significant digits of the
// expected value, equals it.
func sameTo(got *apd.Decimal, want string) string {
	w, _, err := apd.NewFromString(want)
	if err != nil {
		return "bad expected value " + want
	}
	digits := uint32(len(strings.TrimLeft(w.Coeff.String(), "0")))
	c := apd.BaseContext.WithPrecision(digits)
	c.Rounding = apd.RoundHalfUp
	g, wr := new(apd.Decimal), new(apd.Decimal)
	if _, err := c.Round(g, got); err != nil {
		return err.Error()
	}
	if _, err := c.Round(wr, w); err != nil {
		return err.Error()
	}
	if g.Cmp(wr) != 0 {
		return "got " + got.String() + ", want " + want
	}
	return ""
}
