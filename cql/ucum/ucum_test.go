package ucum

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/go-cmp/cmp"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		v, from, to, want string
	}{
		{"1", "cm", "m", "0.01"},
		{"1", "m", "cm", "100"},
		{"1", "g", "mg", "1000"},
		{"5", "mg/dL", "g/L", "0.05"},
		{"1", "L", "mL", "1000"},
		{"1", "dL", "mL", "100"},
		{"1", "kg", "[lb_av]", "2.204622621848775807229738013"},
		{"12", "[in_i]", "[ft_i]", "1"},
		{"1", "[ft_i]", "cm", "30.48"},
		{"1", "h", "min", "60"},
		{"1", "d", "s", "86400"},
		{"1", "wk", "d", "7"},
		{"1", "a", "d", "365.25"},
		{"1", "a", "mo", "12"},
		{"1", "min", "ms", "60000"},
		{"50", "%", "1", "0.5"},
		{"1", "g/cm3", "kg/m3", "1000"},
		{"1", "m2", "cm2", "10000"},
		{"120", "mm[Hg]", "kPa", "15.99864"},
		{"60", "/min", "/s", "1"},
		{"60", "/min", "Hz", "1"},
		{"1", "mmol/L", "umol/mL", "1"},
		{"100", "Cel", "K", "373.15"},
		{"212", "[degF]", "Cel", "100"},
		{"1", "{eskimo_kisses}", "1", "1"},
		{"2", "10*3/uL", "10*9/L", "2"},
		{"1", "kg.m/s2", "N", "1"},
		{"20", "[drp]", "mL", "1"},
		{"1000", "[CFU]/mL", "[CFU]/L", "1000000"},
	}
	for _, tt := range tests {
		v, _, _ := apd.NewFromString(tt.v)
		got, err := Convert(v, tt.from, tt.to)
		if err != nil {
			t.Errorf("Convert(%s %s -> %s): %v", tt.v, tt.from, tt.to, err)
			continue
		}
		want, _, _ := apd.NewFromString(tt.want)
		r := new(apd.Decimal)
		// compare to 25 significant digits
		c := apd.BaseContext.WithPrecision(25)
		c.Round(r, got)
		w := new(apd.Decimal)
		c.Round(w, want)
		if r.Cmp(w) != 0 {
			t.Errorf("Convert(%s %s -> %s) = %s, want %s", tt.v, tt.from, tt.to, got.Text('f'), tt.want)
		}
	}
	for _, bad := range [][2]string{{"g", "m"}, {"cm", "xyz"}, {"[IU]", "g"}, {"Cel", "m"}, {"[CFU]", "[HPF]"}} {
		if _, err := Convert(apd.New(1, 0), bad[0], bad[1]); err == nil {
			t.Errorf("Convert(%s -> %s) succeeded", bad[0], bad[1])
		}
	}
}

func TestValid(t *testing.T) {
	for _, u := range []string{"", "1", "mg", "mg/dL", "kg.m/s2", "mm[Hg]", "[lb_av]", "g/cm3", "{score}", "10*3/uL", "m-1", "(kg.m)/s2", "%", "U/L", "[IU]/mL", "mL/min/{1.73_m2}", "[CFU]/mL", "/[HPF]", "[arb'U]", "[drp]"} {
		if err := Valid(u); err != nil {
			t.Errorf("Valid(%q) = %v", u, err)
		}
	}
	for _, u := range []string{"foo", "m/", "(m", "{x", "k", "[in_i"} {
		if err := Valid(u); err == nil {
			t.Errorf("Valid(%q) succeeded", u)
		}
	}
}

func TestAlgebra(t *testing.T) {
	got := []string{
		Multiply("cm", "cm"),
		Multiply("g/cm3", "cm3"),
		Divide("g/cm3", "g/cm3"),
		Divide("g", "cm3"),
		Multiply("1", "mg"),
		Divide("1", "min"),
		Multiply("m", "s-1"),
		Normalize("m.m/s"),
		Divide("mg", "kg.d"),
	}
	want := []string{"cm2", "g", "1", "g/cm3", "mg", "/min", "m/s", "m2/s", "mg/kg/d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unit algebra (-want +got):\n%s", diff)
	}
	if !Commensurable("mg/dL", "g/L") || Commensurable("mg", "mL") {
		t.Errorf("Commensurable wrong")
	}
}
