package eval

import (
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// planDispatch plans a call whose overload depends on the run-time types
// of its Any or choice-typed arguments. Resolutions are memoised per call
// site by the argument types.
func (p *planner) planDispatch(x *checker.Call) fn {
	d := x.Dispatch
	args := make([]fn, len(d.Args))
	for i, a := range d.Args {
		args[i] = p.plan(a)
	}
	name, prec := x.Name, x.Precision
	static := &checker.Resolution{Op: x.Op, Convs: d.Convs}
	lib, pos := p.cur.lib.Name, x.P
	var cache sync.Map // argument type key -> *checker.Resolution
	resolve := func(vs []value.Value) *checker.Resolution {
		ts := make([]types.Type, len(vs))
		var sb strings.Builder
		for i, v := range vs {
			ts[i] = runtimeType(d.Models, v)
			sb.WriteString(ts[i].String())
			sb.WriteByte('|')
		}
		key := sb.String()
		if r, ok := cache.Load(key); ok {
			return r.(*checker.Resolution)
		}
		r := d.Models.ResolveRuntime(name, ts)
		if d.Alt != "" {
			if ra := d.Models.ResolveRuntime(d.Alt, ts); ra != nil && (r == nil || ra.Score < r.Score) {
				r = ra
			}
		}
		cache.Store(key, r)
		return r
	}
	return func(f *frame) (value.Value, error) {
		vs := make([]value.Value, len(args))
		allNull := true
		for i, a := range args {
			v, err := a(f)
			if err != nil {
				return nil, err
			}
			vs[i] = v
			allNull = allNull && v == nil
		}
		r := static
		if !allNull {
			// Without a fitting overload the compile-time choice runs
			// (and reports the argument it cannot take).
			if rr := resolve(vs); rr != nil {
				r = rr
			}
		}
		for i, v := range vs {
			if i < len(r.Convs) && r.Convs[i] != nil {
				cv, err := convert(r.Convs[i], v)
				if err != nil {
					return nil, wrap(err, lib, pos.Line, pos.Col)
				}
				vs[i] = cv
			}
		}
		var v value.Value
		var err error
		if r.Op.PFn != nil {
			v, err = r.Op.PFn(&f.a.b, prec, vs)
		} else {
			v, err = r.Op.Fn(&f.a.b, vs)
		}
		if err == nil {
			err = f.a.chargeResult(v, vs)
		}
		if err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		if name == "Message" {
			f.a.reportMessage(lib, pos, vs)
		}
		return v, nil
	}
}

// runtimeType is the type of v for run-time overload resolution: Null for
// null, and for a list whose element type is Any or a choice, the list of
// the common type of its elements.
func runtimeType(m *checker.Matcher, v value.Value) types.Type {
	if v == nil {
		return types.Null
	}
	l, ok := v.(value.List)
	if !ok {
		return v.Type()
	}
	if l.ElemType != nil {
		if _, choice := l.ElemType.(*types.Choice); !choice && !types.Equal(l.ElemType, types.Any) {
			return v.Type()
		}
	}
	var ets []types.Type
	seen := map[string]bool{}
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		t := e.Type()
		if k := t.String(); !seen[k] {
			seen[k] = true
			ets = append(ets, t)
		}
	}
	if len(ets) == 0 {
		return v.Type()
	}
	return &types.List{Elem: m.CommonType(ets)}
}
