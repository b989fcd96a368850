package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/labstack/echo/v4"
)

// Library/$evaluate (Using CQL with FHIR, OperationDefinition
// cql-library-evaluate) evaluates the expression definitions of a CQL
// library: at instance level (/Library/{id}/$evaluate) a Library of the
// server's packages, at type level (/Library/$evaluate) the library named
// by url (canonical, optionally |version) or sent as the library input.
// The answer has one parameter per definition, named after it, holding
// its value as $cql's return parameter does, and _messages when the
// evaluation raised messages.

// LibraryInfo is a CQL library the server knows.
type LibraryInfo struct {
	// URL, Version and Name are the Library resource's.
	URL, Version, Name string
	// CQL is the library's source.
	CQL string
	// Terminology answers the library's value set tests (the value sets of
	// its package); nil for none.
	Terminology cql.Terminology
}

// LibrarySource gives the server the CQL libraries it knows (those of the
// loaded packages). It must be safe for concurrent use.
type LibrarySource interface {
	// LibraryByRef finds a library by canonical url ("url" or
	// "url|version") or by "Library/id".
	LibraryByRef(ref string) (LibraryInfo, bool)
	// ResolveLibrary returns the CQL source of the library with this name
	// and version ("" for any), for include declarations.
	ResolveLibrary(name, version string) (string, error)
}

// libraries is the server's LibrarySource, settable after New.
type libraries struct {
	mu  sync.RWMutex
	src LibrarySource
}

func (l *libraries) get() LibrarySource {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.src
}

// ResolveLibrary resolves includes: FHIRHelpers is built in, other
// libraries come from the LibrarySource.
func (l *libraries) ResolveLibrary(name, version string) (string, error) {
	if src, err := fhir.NewLibraryResolver().ResolveLibrary(name, version); err == nil {
		return src, nil
	}
	if s := l.get(); s != nil {
		return s.ResolveLibrary(name, version)
	}
	return "", fmt.Errorf("library %s is not known to this server", name)
}

// SetLibrarySource makes the libraries of src available to $cql (library
// input, includes) and Library/$evaluate.
func (s *Server) SetLibrarySource(src LibrarySource) {
	s.libs.mu.Lock()
	defer s.libs.mu.Unlock()
	s.libs.src = src
}

// includeDecl is an include declaration of $cql's wrapper library; src is
// the included library's CQL (part of the compile cache key, so that a
// package reload is seen).
type includeDecl struct{ name, version, alias, src string }

// resolveIncludes finds the libraries of $cql's library inputs; terms is
// the terminology of the first of them that has one (its package's value
// sets).
func (s *Server) resolveIncludes(ins []libraryInput) (out []includeDecl, terms cql.Terminology, err error) {
	for _, in := range ins {
		info, ok := s.lookupLibrary(in.url)
		if !ok {
			return nil, nil, badRequest("not-found", in.path, "library %s is not known to this server (it is not in a loaded package)", in.url)
		}
		if terms == nil {
			terms = info.Terminology
		}
		name := info.Name
		if name == "" {
			name = cqlDeclaredName(info.CQL)
		}
		alias := in.name
		if alias == "" {
			alias = name
		}
		out = append(out, includeDecl{name: name, version: info.Version, alias: alias, src: info.CQL})
	}
	return out, terms, nil
}

func (s *Server) lookupLibrary(ref string) (LibraryInfo, bool) {
	src := s.libs.get()
	if src == nil {
		return LibraryInfo{}, false
	}
	return src.LibraryByRef(ref)
}

var libraryDecl = regexp.MustCompile(`(?m)^\s*library\s+("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)`)

// cqlDeclaredName is the name in a library's declaration ("" without one).
func cqlDeclaredName(src string) string {
	m := libraryDecl.FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	return unquoteIdent(m[1])
}

var identUnescaper = strings.NewReplacer(`\"`, `"`, `\\`, `\`)

func unquoteIdent(s string) string {
	if len(s) < 2 || s[0] != '"' {
		return s
	}
	return identUnescaper.Replace(s[1 : len(s)-1])
}

func (s *Server) handleLibraryEvaluate(c echo.Context) error {
	var req *cqlRequest
	var err error
	if c.Request().Method == http.MethodGet {
		req, err = parseCQLQuery(c, opEvaluate)
	} else {
		req, err = parseCQLBody(c, opEvaluate)
	}
	if err != nil {
		return err
	}
	info, where, err := s.requestLibrary(c, req)
	if err != nil {
		return err
	}
	opts, err := s.evalSetup(req)
	if err != nil {
		return err
	}
	if opts.Terminology == nil && info.Terminology != nil {
		opts.Terminology = info.Terminology
	}
	opts.Parameters = make(map[string]value.Value, len(req.params))
	for _, p := range req.params {
		opts.Parameters[p.name] = p.val
	}
	name := info.Name
	if name == "" {
		name = cqlDeclaredName(info.CQL)
	}
	if name == "" {
		name = "library"
	}

	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.EvalTimeout)
	defer cancel()
	var out Parameters
	err = guard(ctx, func() error {
		key := "library\x00" + name + "\x00" + info.CQL
		comp, err := s.compileCached(ctx, key, func(ctx context.Context) *compiled {
			return compileTolerant(ctx, s.fhirEnv, name, info.CQL)
		})
		if err != nil {
			return err
		}
		if comp.lib == nil {
			return &CompileError{Errors: comp.errs, Expression: where}
		}
		names := req.expressions
		if len(names) == 0 {
			if len(comp.broken) > 0 {
				return &CompileError{Errors: comp.errs, Expression: where}
			}
			for _, d := range comp.lib.Defines() {
				if req.includePrivate || comp.lib.IsPublic(d) {
					names = append(names, d)
				}
			}
		}
		for _, n := range names {
			if errs, bad := comp.broken[n]; bad {
				return &CompileError{Errors: errs, Expression: where}
			}
			if _, ok := comp.lib.ResultType(n); !ok {
				return badRequest("not-found", "expression", "library %s has no expression definition named %q", name, n)
			}
		}
		col := newMessageCollector(nil)
		opts.OnMessage = col.add
		for _, n := range names {
			v, err := comp.lib.Eval(ctx, n, opts)
			if err != nil {
				return err
			}
			t, _ := comp.lib.ResultType(n)
			out.Parameter = append(out.Parameter, valueParameters(n, v, t)...)
		}
		if p, ok := messagesParameter(col.done(), ""); ok {
			out.Parameter = append(out.Parameter, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeFHIR(c, http.StatusOK, out)
}

// requestLibrary finds the library to evaluate and the FHIRPath of the
// input that named it (for error locations).
func (s *Server) requestLibrary(c echo.Context, req *cqlRequest) (LibraryInfo, string, error) {
	if id := c.Param("id"); id != "" {
		if req.urlPath != "" || req.libResPath != "" {
			return LibraryInfo{}, "", badRequest("invalid", req.urlPath+req.libResPath,
				"url and library are only used at type level (/Library/$evaluate)")
		}
		info, ok := s.lookupLibrary("Library/" + id)
		if !ok {
			return LibraryInfo{}, "", &RequestError{Status: http.StatusNotFound, Code: "not-found",
				Message: fmt.Sprintf("Library/%s is not known to this server", id)}
		}
		return info, "Library/" + id, nil
	}
	switch {
	case req.urlPath != "":
		info, ok := s.lookupLibrary(req.url)
		if !ok {
			return LibraryInfo{}, "", badRequest("not-found", req.urlPath, "library %s is not known to this server (it is not in a loaded package)", req.url)
		}
		return info, req.urlPath, nil
	case req.libResPath != "":
		info, err := inlineLibrary([]byte(req.libraryRes), req.libResPath)
		if err == nil {
			// Sent CQL is held to the source size limit, like $cql's.
			err = s.checkSource(info.CQL)
		}
		return info, req.libResPath, err
	}
	return LibraryInfo{}, "", badRequest("required", "Parameters", "give the library to evaluate: url (its canonical url) or library (a Library resource)")
}

// inlineLibrary reads a Library resource sent in the request: its CQL is
// the content with contentType text/cql and base64 data.
func inlineLibrary(raw []byte, path string) (LibraryInfo, error) {
	var lib struct {
		ResourceType string `json:"resourceType"`
		URL          string `json:"url"`
		Version      string `json:"version"`
		Name         string `json:"name"`
		Content      []struct {
			ContentType string `json:"contentType"`
			Data        string `json:"data"`
		} `json:"content"`
	}
	if err := json.Unmarshal(raw, &lib); err != nil || lib.ResourceType != "Library" {
		return LibraryInfo{}, badRequest("structure", path, "library must be a Library resource")
	}
	for i, ct := range lib.Content {
		if ct.ContentType != "text/cql" && !strings.HasPrefix(ct.ContentType, "text/cql;") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(ct.Data)
		if err != nil {
			return LibraryInfo{}, badRequest("value", fmt.Sprintf("%s.content[%d].data", path, i), "content data is not base64: %v", err)
		}
		return LibraryInfo{URL: lib.URL, Version: lib.Version, Name: cqlDeclaredName(string(b)), CQL: string(b)}, nil
	}
	return LibraryInfo{}, badRequest("required", path+".content", "the Library has no content with contentType text/cql and data")
}

// compileTolerant compiles a library; when definitions do not compile, it
// leaves them out and compiles the rest, so that the library's other
// definitions can still be evaluated (as the reference translator keeps
// compiling past a definition in error). A definition left out reports
// its errors when it is requested. Errors outside expression and function
// definitions (in the header, declarations or included libraries) fail
// the library as a whole. errs always holds the first compilation's
// errors.
func compileTolerant(ctx context.Context, env *cql.Env, name, src string) *compiled {
	lib, errs := env.CompileContext(ctx, name, src)
	if len(errs) == 0 {
		return &compiled{lib: lib}
	}
	all := errs
	chunks := statementChunks(src)
	broken := map[string]cql.Errors{}
	lines := strings.Split(src, "\n")
	for round := 0; round < 8; round++ {
		for _, e := range errs {
			i := chunkAt(chunks, e.Line)
			if e.Library != name || i < 0 || chunks[i].name == "" {
				return &compiled{errs: all}
			}
			ch := chunks[i]
			broken[ch.name] = append(broken[ch.name], e)
			for l := ch.first; l <= ch.last; l++ {
				lines[l-1] = strings.Repeat(" ", len(lines[l-1]))
			}
		}
		lib, errs = env.CompileContext(ctx, name, strings.Join(lines, "\n"))
		if len(errs) == 0 {
			return &compiled{lib: lib, errs: all, broken: broken}
		}
	}
	return &compiled{errs: all}
}

// chunk is a top-level statement's lines (1-based, inclusive); name is
// the definition's name for expression and function definitions.
type chunk struct {
	first, last int
	name        string
}

var defineStart = regexp.MustCompile(`^(?:(?:public|private)\s+)?define\s+(?:(?:fluent\s+)?function\s+)?("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)`)

// statementChunks splits a library into top-level statements: a statement
// starts on a line that begins (in column 1) with something other than
// white space and runs to the line before the next one.
func statementChunks(src string) []chunk {
	var out []chunk
	for i, line := range strings.Split(src, "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '\r' {
			if len(out) > 0 {
				out[len(out)-1].last = i + 1
			}
			continue
		}
		c := chunk{first: i + 1, last: i + 1}
		if m := defineStart.FindStringSubmatch(line); m != nil {
			c.name = unquoteIdent(m[1])
		}
		out = append(out, c)
	}
	return out
}

func chunkAt(chunks []chunk, line int) int {
	for i, c := range chunks {
		if line >= c.first && line <= c.last {
			return i
		}
	}
	return -1
}

// DefineText is the text of one definition in a library's source and
// its first line (1-based).
type DefineText struct {
	Text string
	Line int
}

// DefineSources returns the text of every expression and function
// definition of a library's source, by name.
func DefineSources(src string) map[string]DefineText {
	lines := strings.Split(src, "\n")
	out := map[string]DefineText{}
	for _, c := range statementChunks(src) {
		if c.name != "" {
			out[c.name] = DefineText{Text: strings.TrimRight(strings.Join(lines[c.first-1:c.last], "\n"), "\n \t\r"), Line: c.first}
		}
	}
	return out
}
