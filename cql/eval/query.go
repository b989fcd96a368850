package eval

import (
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

type srcPlan struct {
	slot int
	src  fn
}

type withPlan struct {
	src     srcPlan
	such    fn
	without bool
}

func (p *planner) planQuery(q *checker.Query) fn {
	srcs := make([]srcPlan, len(q.Sources))
	for i, s := range q.Sources {
		srcs[i] = srcPlan{s.Slot, p.plan(s.Source)}
	}
	type letPlan struct {
		slot int
		e    fn
	}
	lets := make([]letPlan, len(q.Lets))
	for i, l := range q.Lets {
		lets[i] = letPlan{l.Slot, p.plan(l.Expr)}
	}
	withs := make([]withPlan, len(q.Withs))
	for i, w := range q.Withs {
		withs[i] = withPlan{srcPlan{w.Source.Slot, p.plan(w.Source.Source)}, p.plan(w.Such), w.Without}
	}
	var where, ret fn
	if q.Where != nil {
		where = p.plan(q.Where)
	}
	if q.Return != nil {
		ret = p.plan(q.Return)
	}
	var sortKeys []fn
	var desc []bool
	for _, s := range q.Sort {
		if s.Expr != nil {
			sortKeys = append(sortKeys, p.plan(s.Expr))
		} else {
			sortKeys = append(sortKeys, nil)
		}
		desc = append(desc, s.Desc)
	}
	sortSlot := q.SortSlot
	sortModels := q.SortModels
	var agg *checker.Aggregate
	var aggStart, aggExpr fn
	if q.Aggregate != nil {
		agg = q.Aggregate
		if agg.Starting != nil {
			aggStart = p.plan(agg.Starting)
		}
		aggExpr = p.plan(agg.Expr)
	}
	staticSingle, dynamic := q.SingleSource, q.DynamicSource
	tupleRet := q.TupleReturn
	distinct := q.Distinct
	var names []string
	for _, s := range q.Sources {
		names = append(names, s.Alias)
	}
	var tupleType *types.Tuple
	var elemType types.Type = types.Any
	if lt, ok := q.T.(*types.List); ok {
		elemType = lt.Elem
		tupleType, _ = lt.Elem.(*types.Tuple)
	}
	lib, pos := p.cur.lib.Name, q.P

	return func(f *frame) (value.Value, error) {
		a := f.a
		single := staticSingle
		// Evaluate the sources.
		lists := make([][]value.Value, len(srcs))
		for i, s := range srcs {
			v, err := s.src(f)
			if err != nil {
				return nil, err
			}
			if dynamic {
				_, isList := v.(value.List)
				single = !isList
			}
			if single {
				if v == nil {
					return nil, nil
				}
				lists[i] = []value.Value{v}
				continue
			}
			if v == nil {
				lists[i] = nil
				continue
			}
			l, ok := v.(value.List)
			if !ok {
				lists[i] = []value.Value{v}
				continue
			}
			lists[i] = l.Elems
		}
		var out []value.Value
		var rows [][]value.Value // for aggregate distinct
		var acc value.Value
		if agg != nil && aggStart != nil {
			var err error
			if acc, err = aggStart(f); err != nil {
				return nil, err
			}
		}
		idx := make([]int, len(srcs))
		for _, l := range lists {
			if len(l) == 0 {
				goto done
			}
		}
		for {
			if err := a.tick(); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			for i, s := range srcs {
				f.vars[s.slot] = lists[i][idx[i]]
			}
			keep := true
			for _, l := range lets {
				v, err := l.e(f)
				if err != nil {
					return nil, err
				}
				f.vars[l.slot] = v
			}
			for _, w := range withs {
				ok, err := evalWith(f, w)
				if err != nil {
					return nil, err
				}
				if !ok {
					keep = false
					break
				}
			}
			if keep && where != nil {
				v, err := where(f)
				if err != nil {
					return nil, err
				}
				keep = v == value.Boolean(true)
			}
			if keep {
				switch {
				case agg != nil:
					if agg.Distinct {
						row := make([]value.Value, len(srcs))
						for i := range srcs {
							row[i] = lists[i][idx[i]]
						}
						dup := false
						for _, r := range rows {
							if err := a.tick(); err != nil {
								return nil, wrap(err, lib, pos.Line, pos.Col)
							}
							if rowEqual(r, row) {
								dup = true
								break
							}
						}
						if dup {
							break
						}
						rows = append(rows, row)
					}
					f.vars[agg.Slot] = acc
					v, err := aggExpr(f)
					if err != nil {
						return nil, err
					}
					acc = v
				case ret != nil:
					v, err := ret(f)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				case tupleRet:
					if err := a.checkTuple(len(srcs)); err != nil {
						return nil, wrap(err, lib, pos.Line, pos.Col)
					}
					vs := make([]value.Value, len(srcs))
					for i := range srcs {
						vs[i] = lists[i][idx[i]]
					}
					out = append(out, value.Tuple{Names: names, Values: vs, TupleType: tupleType})
				default:
					out = append(out, lists[0][idx[0]])
				}
				if agg == nil {
					if err := a.b.CheckListSize(len(out)); err != nil {
						return nil, wrap(err, lib, pos.Line, pos.Col)
					}
					if err := a.b.Charge(builtins.SlotBytes); err != nil {
						return nil, wrap(err, lib, pos.Line, pos.Col)
					}
				}
			}
			// Advance the cartesian product (last source fastest).
			k := len(idx) - 1
			for k >= 0 {
				idx[k]++
				if idx[k] < len(lists[k]) {
					break
				}
				idx[k] = 0
				k--
			}
			if k < 0 {
				break
			}
		}
	done:
		if agg != nil {
			return acc, nil
		}
		if distinct {
			var err error
			if out, err = distinctValues(a, out); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
		}
		if len(desc) > 0 && len(out) > 1 {
			rs := make([]sortRow, len(out))
			keys := make([]value.Value, len(out)*len(desc))
			for i, v := range out {
				rs[i].v = v
				rs[i].keys = keys[i*len(desc) : (i+1)*len(desc) : (i+1)*len(desc)]
				for k, key := range sortKeys {
					if key == nil {
						rs[i].keys[k] = sortModels.ToSystem(v)
						continue
					}
					f.vars[sortSlot] = v
					kv, err := key(f)
					if err != nil {
						return nil, err
					}
					rs[i].keys[k] = sortModels.ToSystem(kv)
				}
			}
			if err := a.b.Charge(len(out) * (len(desc) + 4) * builtins.SlotBytes); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			rs = sortRows(a, rs, desc)
			if err := a.ctx.Err(); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			for i := range rs {
				out[i] = rs[i].v
			}
		}
		if single {
			if len(out) == 0 {
				return nil, nil
			}
			return out[0], nil
		}
		if out == nil {
			out = []value.Value{}
		}
		return value.List{Elems: out, ElemType: elemType}, nil
	}
}

func evalWith(f *frame, w withPlan) (bool, error) {
	v, err := w.src.src(f)
	if err != nil {
		return false, err
	}
	var elems []value.Value
	if l, ok := v.(value.List); ok {
		elems = l.Elems
	} else if v != nil {
		elems = []value.Value{v}
	}
	found := false
	for _, e := range elems {
		if err := f.a.tick(); err != nil {
			return false, err
		}
		f.vars[w.src.slot] = e
		r, err := w.such(f)
		if err != nil {
			return false, err
		}
		if r == value.Boolean(true) {
			found = true
			break
		}
	}
	if w.without {
		return !found, nil
	}
	return found, nil
}

func rowEqual(a, b []value.Value) bool {
	for i := range a {
		if !sameValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameValue is equality for distinct: nulls are equal to each other.
func sameValue(a, b value.Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return value.Equal(a, b) == value.Boolean(true)
}

// distinctValues removes duplicates, keeping the first occurrence.
func distinctValues(a *activation, vs []value.Value) ([]value.Value, error) {
	out := make([]value.Value, 0, len(vs))
	seen := make(map[any]bool, len(vs))
	for _, v := range vs {
		if k, ok := fastKey(v); ok {
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, v)
			continue
		}
		dup := false
		for _, o := range out {
			if err := a.tick(); err != nil {
				return nil, err
			}
			if sameValue(o, v) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out, nil
}

type nullKey struct{}

// fastKey gives a map key for values whose equality is identity of the key.
func fastKey(v value.Value) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nullKey{}, true
	case value.Integer, value.Long, value.String, value.Boolean:
		return x, true
	}
	return nil, false
}
