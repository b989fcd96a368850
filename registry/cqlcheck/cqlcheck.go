// Package cqlcheck is the registry's CQL check: every Library of a
// published package that carries text/cql is compiled with the project's
// CQL engine, with includes resolved from the other Libraries of the same
// package, and every CQL expression its PlanDefinitions and
// ActivityDefinitions name must resolve (validate.Expressions): a
// condition naming a define its Library lacks is refused. Compile errors
// and unresolved expressions become violations and reject the publish.
package cqlcheck

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/load"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/registry"
)

// unknownModel is the checker's code for a `using` of a model the Env
// does not have; such libraries cannot be judged and are skipped.
const unknownModel = "unknown-model"

type source struct {
	res     string // Library/id
	refs    []string
	name    string // CQL library name
	version string
	src     string
}

// sources extracts the CQL of every Library of the package (read as
// cards/load reads it: examples too, attachments given by url).
func sources(res []load.Resource) ([]source, []validate.Violation) {
	var out []source
	var bad []validate.Violation
	for _, r := range res {
		if r.Data["resourceType"] != "Library" {
			continue
		}
		id, _ := r.Data["id"].(string)
		url, _ := r.Data["url"].(string)
		version, _ := r.Data["version"].(string)
		content, _ := r.Data["content"].([]any)
		for i, c := range content {
			cm, _ := c.(map[string]any)
			ct, _ := cm["contentType"].(string)
			data, _ := cm["data"].(string)
			if !strings.HasPrefix(ct, "text/cql") || data == "" {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				bad = append(bad, validate.Violation{Resource: "Library/" + id, Path: fmt.Sprintf("content[%d].data", i), Message: "not base64"})
				continue
			}
			s := source{res: "Library/" + id, src: string(b), refs: []string{"Library/" + id}}
			if url != "" {
				s.refs = append(s.refs, url, url+"|"+version)
			}
			s.name, s.version = load.CQLName(s.src)
			if s.name == "" {
				s.name, _ = r.Data["name"].(string)
			}
			out = append(out, s)
		}
	}
	return out, bad
}

// New returns a Validator compiling CQL with an Env built from opts plus a
// resolver over the package's own Libraries, then fallback (may be nil; for
// example the built-in FHIRHelpers). Models such as FHIR are passed in opts
// with cql.WithModel.
func New(fallback cql.LibraryResolver, opts ...cql.Option) registry.Validator {
	return registry.ValidatorFunc(func(ctx context.Context, p *fhirpkg.Package) []validate.Violation {
		c := load.FromPackage(p)
		srcs, out := sources(c.Resources)
		byName := map[string]source{}
		for _, s := range srcs {
			byName[s.name] = s
			byName[s.name+"|"+s.version] = s
		}
		resolver := cql.LibraryResolverFunc(func(name, version string) (string, error) {
			if s, ok := byName[name+"|"+version]; ok && version != "" {
				return s.src, nil
			}
			if s, ok := byName[name]; ok {
				return s.src, nil
			}
			if fallback != nil {
				return fallback.ResolveLibrary(name, version)
			}
			return "", fmt.Errorf("library %s %s is not in the package", name, version)
		})
		env := cql.NewEnv(append(append([]cql.Option{}, opts...), cql.WithLibraryResolver(resolver))...)
		libs := map[string]validate.Library{}
		judged := true
		for _, s := range srcs {
			if ctx.Err() != nil {
				return append(out, validate.Violation{Resource: s.res, Message: "CQL check canceled"})
			}
			lib, errs := compile(env, s)
			info := validate.Library{Name: s.name}
			if len(errs) == 0 && lib != nil {
				info.Defines = map[string]bool{}
				for _, d := range lib.Defines() {
					info.Defines[d] = true
				}
			}
			for _, r := range s.refs {
				libs[r] = info
			}
			skip := false
			for _, e := range errs {
				if e.Code == unknownModel {
					skip, judged = true, false
				}
			}
			if skip {
				continue
			}
			for _, e := range errs {
				out = append(out, validate.Violation{Resource: s.res, Path: "content (CQL)",
					Message: fmt.Sprintf("%s:%d:%d: %s [%s]", e.Library, e.Line, e.Col, e.Message, e.Code)})
			}
		}
		if !judged {
			return out // a library on a model this check lacks: its expressions cannot be judged
		}
		resources := make([]validate.Resource, 0, len(c.Resources))
		for _, r := range c.Resources {
			resources = append(resources, r.Data)
		}
		lookup := func(ref string) (validate.Library, bool) {
			if l, ok := libs[ref]; ok {
				return l, true
			}
			l, ok := libs[validate.Canonical(ref)]
			return l, ok
		}
		inline := func(expr string, used []validate.Library) error {
			var incs []fhir.InlineInclude
			for _, l := range used {
				incs = append(incs, fhir.InlineInclude{Name: l.Name, Version: byName[l.Name].version})
			}
			_, errs := compile(env, source{name: "inline expression", src: fhir.InlineLibrary(expr, incs)})
			if len(errs) > 0 {
				var msgs []string
				for _, e := range errs {
					msgs = append(msgs, e.Message)
				}
				return fmt.Errorf("inline CQL %q does not compile: %s", expr, strings.Join(msgs, "; "))
			}
			return nil
		}
		return append(out, validate.Expressions(resources, lookup, inline)...)
	})
}

// compile guards the engine: a panic in the compiler becomes an error.
func compile(env *cql.Env, s source) (lib *cql.Library, errs cql.Errors) {
	defer func() {
		if r := recover(); r != nil {
			errs = cql.Errors{{Library: s.name, Code: "internal", Message: fmt.Sprintf("compiler failure: %v", r)}}
		}
	}()
	return env.Compile(s.name, s.src)
}
