package eval

import (
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// convert applies a conversion plan to a value.
func convert(c *checker.Conv, v value.Value) (value.Value, error) {
	if v == nil || c == nil {
		return v, nil
	}
	if c.Fn != nil {
		r, err := c.Fn(v)
		if err != nil {
			return nil, err
		}
		return convert(c.Then, r)
	}
	if c.ExpandValueSet {
		// Expansion needs the evaluation's terminology provider: only
		// Convert nodes (planConvert) can apply it.
		return nil, builtins.Errorf("a value set cannot be expanded here")
	}
	if c.Dynamic != nil {
		conv, ok := c.Dynamic.ConvertDynamic(v, c.Target)
		if !ok {
			if _, named := v.Type().(*types.Named); named && c.Cast {
				return nil, nil // another option of the choice: as gives null
			}
			return v, nil
		}
		if conv == nil || conv.Dynamic != nil {
			return v, nil
		}
		return convert(conv, v)
	}
	if c.TupleElems != nil {
		t, ok := v.(value.Tuple)
		if !ok || len(t.Values) != len(c.TupleElems) {
			return v, nil
		}
		vals := make([]value.Value, len(t.Values))
		for i, e := range t.Values {
			r, err := convert(c.TupleElems[i], e)
			if err != nil {
				return nil, err
			}
			vals[i] = r
		}
		tt, _ := c.Target.(*types.Tuple)
		return value.Tuple{Names: t.Names, Values: vals, TupleType: tt}, nil
	}
	if c.Demote {
		l, ok := v.(value.List)
		if !ok {
			return convert(c.Elem, v)
		}
		switch len(l.Elems) {
		case 0:
			return nil, nil
		case 1:
			return convert(c.Elem, l.Elems[0])
		}
		return nil, builtins.Errorf("expected a list of at most one element where a single value is needed, got %d elements", len(l.Elems))
	}
	if c.IvlPromote {
		r, err := convert(c.Elem, v)
		if err != nil {
			return nil, err
		}
		return value.Interval{Low: r, High: r, LowClosed: true, HighClosed: true,
			PointType: c.Target.(*types.Interval).Point}, nil
	}
	if c.IvlDemote {
		if _, ok := v.(value.Interval); !ok {
			return convert(c.Elem, v)
		}
		p, err := pointFrom(v)
		if err != nil {
			return nil, err
		}
		return convert(c.Elem, p)
	}
	if c.Promote {
		r, err := convert(c.Elem, v)
		if err != nil {
			return nil, err
		}
		return value.List{Elems: []value.Value{r}, ElemType: c.Target.(*types.List).Elem}, nil
	}
	if c.List {
		l, ok := v.(value.List)
		if !ok {
			return v, nil
		}
		out := make([]value.Value, len(l.Elems))
		for i, e := range l.Elems {
			r, err := convert(c.Elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return value.List{Elems: out, ElemType: c.Target.(*types.List).Elem}, nil
	}
	if c.Interval {
		iv, ok := v.(value.Interval)
		if !ok {
			return v, nil
		}
		lo, err := convert(c.Elem, iv.Low)
		if err != nil {
			return nil, err
		}
		hi, err := convert(c.Elem, iv.High)
		if err != nil {
			return nil, err
		}
		return value.Interval{Low: lo, High: hi, LowClosed: iv.LowClosed, HighClosed: iv.HighClosed,
			PointType: c.Target.(*types.Interval).Point}, nil
	}
	return convertScalar(c.Kind, v), nil
}

// pointFromOp is the PointFrom builtin, which interval demotion applies.
var pointFromOp = func() *builtins.Overload {
	for _, o := range builtins.Lookup("PointFrom") {
		if len(o.Params) == 1 && o.Fn != nil {
			return o
		}
	}
	return nil
}()

// pointFrom is the point of a unit interval; any other interval is an
// error (CQL PointFrom).
func pointFrom(v value.Value) (value.Value, error) {
	if pointFromOp == nil {
		return nil, builtins.Errorf("point from: operator not available")
	}
	return pointFromOp.Fn(nil, []value.Value{v})
}

func decFromInt(i int64) value.Decimal { return value.Decimal{D: apd.New(i, 0)} }

func convertScalar(k types.Conversion, v value.Value) value.Value {
	switch k {
	case types.IntegerToLong:
		if i, ok := v.(value.Integer); ok {
			return value.Long(i)
		}
	case types.IntegerToDecimal:
		if i, ok := v.(value.Integer); ok {
			return decFromInt(int64(i))
		}
	case types.LongToDecimal:
		if i, ok := v.(value.Long); ok {
			return decFromInt(int64(i))
		}
	case types.IntegerToQuantity:
		if i, ok := v.(value.Integer); ok {
			return value.Quantity{Value: decFromInt(int64(i)), Unit: "1"}
		}
	case types.DecimalToQuantity:
		if d, ok := v.(value.Decimal); ok {
			return value.Quantity{Value: d, Unit: "1"}
		}
	case types.DateToDateTime:
		if d, ok := v.(value.Date); ok {
			return value.DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision}
		}
	case types.CodeToConcept:
		if c, ok := v.(value.Code); ok {
			return value.Concept{Codes: []value.Code{c}}
		}
	}
	return v
}
