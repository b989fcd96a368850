package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestLogicTruthTables(t *testing.T) {
	b := types.Boolean
	vals := []value.Value{b1B(true), b1B(false), nil}
	names := []string{"true", "false", "null"}
	// Expected results indexed [x][y] in the order true, false, null, from
	// CqlLogicalOperatorsTest.xml.
	tables := map[string][3][3]value.Value{
		"And": {
			{b1B(true), b1B(false), nil},
			{b1B(false), b1B(false), b1B(false)},
			{nil, b1B(false), nil},
		},
		"Or": {
			{b1B(true), b1B(true), b1B(true)},
			{b1B(true), b1B(false), nil},
			{b1B(true), nil, nil},
		},
		"Xor": {
			{b1B(false), b1B(true), nil},
			{b1B(true), b1B(false), nil},
			{nil, nil, nil},
		},
		"Implies": {
			{b1B(true), b1B(false), nil},
			{b1B(true), b1B(true), b1B(true)},
			{b1B(true), nil, nil},
		},
	}
	var cases []b1Case
	for op, tab := range tables {
		for i := range vals {
			for j := range vals {
				cases = append(cases, b1Case{
					name: names[i] + " " + op + " " + names[j], op: op,
					params: b1Ts(b, b), args: b1Vs(vals[i], vals[j]), want: tab[i][j],
				})
			}
		}
	}
	cases = append(cases,
		b1Case{name: "NotTrue", op: "Not", params: b1Ts(b), args: b1Vs(b1B(true)), want: b1B(false)},
		b1Case{name: "NotFalse", op: "Not", params: b1Ts(b), args: b1Vs(b1B(false)), want: b1B(true)},
		b1Case{name: "NotNull", op: "Not", params: b1Ts(b), args: b1Vs(nil), want: nil},
		b1Case{name: "AndBadType", op: "And", params: b1Ts(b, b), args: b1Vs(b1I(1), b1B(true)), wantErr: true},
	)
	b1Run(t, cases)
}

func TestLogicNoAllocs(t *testing.T) {
	and := b1Find(t, "And", types.Boolean, types.Boolean).Fn
	args := b1Vs(b1B(true), b1B(false))
	n := testing.AllocsPerRun(100, func() { _, _ = and(nil, args) })
	if n != 0 {
		t.Fatalf("And allocates %v times", n)
	}
}
