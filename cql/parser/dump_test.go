package parser

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
)

// dump renders a node as a compact S-expression without spans, listing only
// non-zero fields: (BinaryExpr Op=+ Left=(NumberLiteral Text=1) ...).
func dump(n any) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(n))
	return b.String()
}

var spanType = reflect.TypeOf(ast.Span{})

func dumpValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpValue(b, v.Elem())
	case reflect.Struct:
		t := v.Type()
		b.WriteString("(" + t.Name())
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			fv := v.Field(i)
			// Operators and kinds are printed even when zero.
			enum := f.Name == "Op" || f.Name == "Kind"
			if f.Type == spanType || fv.IsZero() && !enum || f.Name == "Source" && t.Name() == "Library" {
				continue
			}
			b.WriteString(" " + f.Name + "=")
			dumpValue(b, fv)
		}
		b.WriteString(")")
	case reflect.Slice:
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(" ")
			}
			dumpValue(b, v.Index(i))
		}
		b.WriteString("]")
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	default:
		if s, ok := v.Interface().(fmt.Stringer); ok {
			b.WriteString(s.String())
		} else {
			fmt.Fprint(b, v.Interface())
		}
	}
}
