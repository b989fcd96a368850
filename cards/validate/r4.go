package validate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// r4 is the validating parser of FHIR R4 JSON (google/fhir): every element
// known to the resource's structure, with its type, the codes of required
// bindings, cardinalities and the target types of references.
var r4 = sync.OnceValues(func() (*jsonformat.Unmarshaller, error) {
	return jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
})

// R4 checks one resource against the FHIR R4 structure: an unknown
// element, a value of the wrong type, a code outside a required binding, a
// missing required element or a reference to a type the element does not
// allow is a Violation, each with its element path. The parser refuses a
// resource in Parameters.parameter.resource whatever it is, so those are
// checked on their own (path "parameter[i].resource...") and the
// Parameters without them.
func R4(r Resource) []Violation {
	label := Label(r)
	var out []Violation
	if str(r, "resourceType") == "Parameters" {
		shallow, inner := splitParameters(r)
		for _, in := range inner {
			for _, v := range R4(in.resource) {
				v.Resource = label
				v.Path = strings.TrimPrefix(in.path+"."+v.Path, ".")
				out = append(out, v)
			}
		}
		r = shallow
	}
	b, err := json.Marshal(r)
	if err != nil {
		return append(out, Violation{Resource: label, Message: err.Error()})
	}
	u, err := r4()
	if err != nil {
		return append(out, Violation{Resource: label, Message: "the R4 parser is unavailable: " + err.Error()})
	}
	rep := &reporter{label: label}
	if _, err := u.UnmarshalWithErrorReporter(b, rep); err != nil {
		rep.parseErrors(err)
	}
	return append(out, rep.out...)
}

// parseErrors adds the parse errors (unknown element, wrong type, invalid
// code), which the parser returns as one error: a list of its
// UnmarshalError (an internal type, read by its exported fields Path,
// Details and Diagnostics; the unknown element's name is in Diagnostics).
func (r *reporter) parseErrors(err error) {
	v := reflect.ValueOf(err)
	var items []reflect.Value
	switch {
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			items = append(items, v.Index(i))
		}
	case v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct:
		items = append(items, v)
	}
	for _, it := range items {
		it = reflect.Indirect(it)
		path, details, diag := it.FieldByName("Path"), it.FieldByName("Details"), it.FieldByName("Diagnostics")
		if !path.IsValid() || !details.IsValid() || path.Kind() != reflect.String || details.Kind() != reflect.String {
			continue
		}
		viol := Violation{Resource: r.label, Path: path.String(), Message: details.String()}
		if d := diag; d.IsValid() && d.Kind() == reflect.String && d.String() != "" {
			if viol.Message == "unknown field" {
				if name, err := strconv.Unquote(d.String()); err == nil {
					viol.Path += "." + name
					viol.Message = "unknown element"
				}
			} else {
				viol.Message += ": " + d.String()
			}
		}
		r.out = append(r.out, viol)
	}
	if len(items) == 0 {
		r.out = append(r.out, Violation{Resource: r.label, Message: err.Error()})
	}
}

// reporter collects the validation problems the parser reports after
// parsing (cardinality, reference types).
type reporter struct {
	label string
	out   []Violation
}

func (r *reporter) ReportValidationError(path string, err error) error {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, `": `); ok && strings.HasPrefix(msg, `error at "`) {
		msg = rest
	}
	r.out = append(r.out, Violation{Resource: r.label, Path: path, Message: msg})
	return nil
}

// ReportValidationWarning ignores warnings: they do not make a resource
// invalid.
func (r *reporter) ReportValidationWarning(string, error) error { return nil }

type innerResource struct {
	path     string
	resource Resource
}

// splitParameters copies a Parameters resource without the resources of
// its parameters (parts included) and lists those resources with paths.
func splitParameters(p Resource) (Resource, []innerResource) {
	var inner []innerResource
	var strip func(params []any, path string) []any
	strip = func(params []any, path string) []any {
		out := make([]any, len(params))
		for i, e := range params {
			m := obj(e)
			if m == nil {
				out[i] = e
				continue
			}
			c := make(map[string]any, len(m))
			for k, v := range m {
				c[k] = v
			}
			at := fmt.Sprintf("%s[%d]", path, i)
			if res := obj(m["resource"]); res != nil {
				inner = append(inner, innerResource{path: at + ".resource", resource: res})
				delete(c, "resource")
			}
			if parts := list(m, "part"); parts != nil {
				c["part"] = strip(parts, at+".part")
			}
			out[i] = c
		}
		return out
	}
	c := make(map[string]any, len(p))
	for k, v := range p {
		c[k] = v
	}
	if params := list(p, "parameter"); params != nil {
		c["parameter"] = strip(params, "parameter")
	}
	return c, inner
}
