package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestLogicTruthTables(t *testing.T) {
	b := types.Boolean
	vals := []value.Value{boolV(true), boolV(false), nil}
	names := []string{"true", "false", "null"}
	// Expected results indexed [x][y] in the order true, false, null, from
	// CqlLogicalOperatorsTest.xml.
	tables := map[string][3][3]value.Value{
		"And": {
			{boolV(true), boolV(false), nil},
			{boolV(false), boolV(false), boolV(false)},
			{nil, boolV(false), nil},
		},
		"Or": {
			{boolV(true), boolV(true), boolV(true)},
			{boolV(true), boolV(false), nil},
			{boolV(true), nil, nil},
		},
		"Xor": {
			{boolV(false), boolV(true), nil},
			{boolV(true), boolV(false), nil},
			{nil, nil, nil},
		},
		"Implies": {
			{boolV(true), boolV(false), nil},
			{boolV(true), boolV(true), boolV(true)},
			{boolV(true), nil, nil},
		},
	}
	var cases []opCase
	for op, tab := range tables {
		for i := range vals {
			for j := range vals {
				cases = append(cases, opCase{
					name: names[i] + " " + op + " " + names[j], op: op,
					params: tys(b, b), args: argv(vals[i], vals[j]), want: tab[i][j],
				})
			}
		}
	}
	cases = append(cases,
		opCase{name: "NotTrue", op: "Not", params: tys(b), args: argv(boolV(true)), want: boolV(false)},
		opCase{name: "NotFalse", op: "Not", params: tys(b), args: argv(boolV(false)), want: boolV(true)},
		opCase{name: "NotNull", op: "Not", params: tys(b), args: argv(nil), want: nil},
		opCase{name: "AndBadType", op: "And", params: tys(b, b), args: argv(intV(1), boolV(true)), wantErr: true},
	)
	runOpCases(t, cases)
}

func TestLogicNoAllocs(t *testing.T) {
	and := findOverload(t, "And", types.Boolean, types.Boolean).Fn
	args := argv(boolV(true), boolV(false))
	n := testing.AllocsPerRun(100, func() { _, _ = and(nil, args) })
	if n != 0 {
		t.Fatalf("And allocates %v times", n)
	}
}
