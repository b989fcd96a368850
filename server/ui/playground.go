package ui

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cql"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/server"
)

// The playground evaluates CQL (a library or an expression) with loaded
// libraries, a data Bundle and parameters, and shows each define's value
// and CQL type, or its errors at line:col with a caret under the column.

type playgroundView struct {
	Source, Data, Parameters, Subject, Example string
	Libraries                                  []option
	Examples                                   []option
	Ran                                        bool
	Allowed                                    bool
	Result                                     *server.EvalResult
	Errors                                     []sourceError
	// DataError and ParametersError are shown beside their inputs;
	// Error above the form.
	DataError, ParametersError, Error string
}

type option struct {
	Value, Label string
	Selected     bool
}

// sourceError is an error with its place in the source: the line and a
// caret under the column.
type sourceError struct {
	Where, Message string
	Line, Col      int
	Text, Caret    string
}

const defaultPlaygroundCQL = "Interval[1, 10] contains 5"

func (h *Handler) playground(c echo.Context) error {
	v := playgroundView{Source: defaultPlaygroundCQL, Allowed: h.allowed(c, needEvaluate)}
	selected := map[string]bool{}
	if c.Request().Method == http.MethodPost {
		v.Source, v.Data, v.Parameters = c.FormValue("source"), c.FormValue("data"), c.FormValue("parameters")
		v.Subject, v.Example = strings.TrimSpace(c.FormValue("subject")), c.FormValue("example")
		form, _ := c.FormParams()
		for _, l := range form["library"] {
			selected[l] = true
		}
	}
	for _, p := range h.sortedPackages() {
		for _, r := range p.OfType("Library") {
			lib := p.Library(fj.Str(r, "url"))
			if lib == nil || lib.CQL == nil {
				continue
			}
			v.Libraries = append(v.Libraries, option{Value: lib.URL, Label: lib.CQL.Name + " (" + p.Name + ")", Selected: selected[lib.URL]})
		}
	}
	sort.Slice(v.Libraries, func(i, j int) bool { return v.Libraries[i].Label < v.Libraries[j].Label })
	v.Examples = h.exampleOptions(v.Example)
	if c.Request().Method != http.MethodPost {
		return h.render(c, http.StatusOK, "playground", "CQL playground", v)
	}
	if !v.Allowed {
		v.Error = "Your token does not allow evaluations: it needs the scope " + needEvaluate.String() + "."
		return h.render(c, http.StatusForbidden, "playground", "CQL playground", v)
	}
	data := []byte(v.Data)
	if strings.TrimSpace(v.Data) == "" && v.Example != "" {
		ex, ok := h.example(v.Example)
		if !ok {
			v.DataError = "No example Bundle is named " + v.Example + "."
			return h.render(c, http.StatusBadRequest, "playground", "CQL playground", v)
		}
		data = ex
	}
	var libs []string
	for _, l := range v.Libraries {
		if l.Selected {
			libs = append(libs, l.Value)
		}
	}
	v.Ran = true
	res, err := h.cfg.Server.Evaluate(ctx(c), server.EvalRequest{Source: v.Source, Libraries: libs, Data: data,
		Parameters: []byte(v.Parameters), Subject: v.Subject})
	var re *server.RequestError
	switch {
	case errors.As(err, &re):
		switch {
		case strings.HasPrefix(re.Expression, "data"):
			v.DataError = re.Message
		case strings.HasPrefix(re.Expression, "parameters"):
			v.ParametersError = re.Message
		default:
			v.Error = re.Message
		}
		return h.render(c, http.StatusBadRequest, "playground", "CQL playground", v)
	case err != nil:
		v.Error = "The evaluation failed: " + err.Error()
		return h.render(c, http.StatusUnprocessableEntity, "playground", "CQL playground", v)
	}
	v.Result = res
	lines := strings.Split(v.Source, "\n")
	for _, e := range res.Errors {
		v.Errors = append(v.Errors, placeError(lines, res.Library, e))
	}
	for _, d := range res.Defines {
		if d.Error != "" && d.Line > 0 {
			v.Errors = append(v.Errors, placeError(lines, res.Library, &cql.Error{Library: res.Library, Line: d.Line, Col: d.Col,
				Message: d.Name + ": " + d.Error}))
		}
	}
	return h.render(c, http.StatusOK, "playground", "CQL playground", v)
}

// placeError locates e in the source's lines (errors in other libraries
// keep their own names and have no line here).
func placeError(lines []string, lib string, e *cql.Error) sourceError {
	se := sourceError{Message: e.Message, Line: e.Line, Col: e.Col}
	name := e.Library
	if name == "" {
		name = lib
	}
	se.Where = name
	if e.Line > 0 {
		se.Where += ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col)
	}
	if name != lib || e.Line < 1 || e.Line > len(lines) {
		se.Line, se.Col = 0, 0
		return se
	}
	se.Text = strings.TrimRight(lines[e.Line-1], "\r")
	col := max(e.Col, 1)
	// The caret lines up under tabs as the line above does.
	var pad strings.Builder
	for i, r := range []rune(se.Text) {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	se.Caret = pad.String() + "^"
	return se
}

// exampleOptions lists every loaded package's example Bundles
// ("package/name").
func (h *Handler) exampleOptions(selected string) []option {
	if h.cfg.Examples == nil {
		return nil
	}
	var out []option
	for _, p := range h.sortedPackages() {
		for _, ex := range h.cfg.Examples(p) {
			key := p.Name + "/" + ex.Name
			out = append(out, option{Value: key, Label: ex.Name + " (" + p.Name + ")", Selected: key == selected})
		}
	}
	return out
}

// example returns the example Bundle "package/name".
func (h *Handler) example(key string) ([]byte, bool) {
	if h.cfg.Examples == nil {
		return nil, false
	}
	for _, p := range h.sortedPackages() {
		name, ok := strings.CutPrefix(key, p.Name+"/")
		if !ok {
			continue
		}
		for _, ex := range h.cfg.Examples(p) {
			if ex.Name == name {
				return ex.Bundle, true
			}
		}
	}
	return nil, false
}
