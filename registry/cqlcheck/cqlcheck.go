// Package cqlcheck is the registry's CQL compile check: every Library of a
// published package that carries text/cql is compiled with the project's
// CQL engine, with includes resolved from the other Libraries of the same
// package. Compile errors become violations and reject the publish.
package cqlcheck

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/registry"
)

// unknownModel is the checker's code for a `using` of a model the Env
// does not have; such libraries cannot be judged and are skipped.
const unknownModel = "unknown-model"

var libHeader = regexp.MustCompile(`(?m)^\s*library\s+("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)(\s+version\s+'([^']*)')?`)

type source struct {
	res     string // Library/id
	name    string // CQL library name
	version string
	src     string
}

// sources extracts the CQL of every Library in the package.
func sources(p *fhirpkg.Package) ([]source, []validate.Violation) {
	res, _ := p.Resources()
	var out []source
	var bad []validate.Violation
	for _, r := range res {
		if r.Type != "Library" {
			continue
		}
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
				bad = append(bad, validate.Violation{Resource: "Library/" + r.ID, Path: fmt.Sprintf("content[%d].data", i), Message: "not base64"})
				continue
			}
			s := source{res: "Library/" + r.ID, src: string(b)}
			if m := libHeader.FindStringSubmatch(s.src); m != nil {
				s.name = strings.Trim(m[1], `"`)
				s.version = m[3]
			}
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
		srcs, out := sources(p)
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
		for _, s := range srcs {
			if ctx.Err() != nil {
				return append(out, validate.Violation{Resource: s.res, Message: "CQL check canceled"})
			}
			_, errs := compile(env, s)
			skip := false
			for _, e := range errs {
				if e.Code == unknownModel {
					skip = true
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
		return out
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
