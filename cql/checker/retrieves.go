package checker

import (
	"reflect"
	"sort"
)

// Retrieves lists the retrieves of a library: those of its expression
// definitions, functions and parameter defaults and of the libraries it
// includes (each library walked once), the library's own first, each
// library in definition order. They are its data requirements: what an
// evaluation may read from a data source.
func Retrieves(lib *Library) []*Retrieve {
	w := &retrieveWalker{libs: map[*Library]bool{}, seen: map[uintptr]bool{}}
	w.library(lib)
	return w.out
}

type retrieveWalker struct {
	libs map[*Library]bool
	seen map[uintptr]bool
	out  []*Retrieve
}

func (w *retrieveWalker) library(l *Library) {
	if l == nil || w.libs[l] {
		return
	}
	w.libs[l] = true
	for _, n := range l.DefOrder {
		if d := l.Defs[n]; d != nil {
			w.node(reflect.ValueOf(d.Body))
		}
	}
	for _, n := range l.ParamOrder {
		if p := l.Params[n]; p != nil && p.Default != nil {
			w.node(reflect.ValueOf(p.Default))
		}
	}
	names := make([]string, 0, len(l.Funcs))
	for n := range l.Funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, f := range l.Funcs[n] {
			if f.Body != nil {
				w.node(reflect.ValueOf(f.Body))
			}
		}
	}
	incs := make([]string, 0, len(l.Includes))
	for n := range l.Includes {
		incs = append(incs, n)
	}
	sort.Strings(incs)
	for _, n := range incs {
		w.library(l.Includes[n])
	}
}

var (
	libraryType = reflect.TypeOf(&Library{})
	funcDefType = reflect.TypeOf(&FuncDef{})
)

// node walks the fields of an IR value, following interfaces, pointers,
// structs and slices. References to other libraries and to functions are
// not followed here: library walks every definition of every library.
func (w *retrieveWalker) node(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			w.node(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() || v.Type() == libraryType || v.Type() == funcDefType {
			return
		}
		if w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		if r, ok := v.Interface().(*Retrieve); ok {
			w.out = append(w.out, r)
		}
		w.node(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				w.node(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			w.node(v.Index(i))
		}
	}
}
