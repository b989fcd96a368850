package auth

import (
	"slices"
	"strings"
)

// ScopeEvaluate is ccg's operation scope: it lets a client run the
// operations that evaluate logic, $apply, $evaluate and $cql (at any
// level) and the CDS Hooks services (/cds-services). SMART v2 has no
// operation scopes, and these operations read no stored patient data, so
// one scope of the server's own covers them.
const ScopeEvaluate = "ccg/evaluate"

// Scopes is a parsed list of granted scopes: SMART v2 resource scopes
// (context/Resource.perms, with SMART v1's read/write/* accepted) in the
// system or user context, and named scopes such as ScopeEvaluate.
// Resource scopes with query restrictions ("?category=...") and patient
// context scopes grant nothing here: the server keeps no patient data.
type Scopes struct {
	named     map[string]bool
	resources []resourceScope
}

type resourceScope struct {
	resource string // a resource type or "*"
	perms    string // a subset of "cruds"
}

// ParseScopes parses granted scopes (each may hold several, space-separated).
func ParseScopes(list ...string) Scopes {
	s := Scopes{named: map[string]bool{}}
	for _, item := range list {
		for _, sc := range strings.Fields(item) {
			s.named[sc] = true
			if rs, ok := parseResourceScope(sc); ok {
				s.resources = append(s.resources, rs)
			}
		}
	}
	return s
}

func parseResourceScope(sc string) (resourceScope, bool) {
	ctx, rest, ok := strings.Cut(sc, "/")
	if !ok || (ctx != "system" && ctx != "user") || strings.Contains(rest, "?") {
		return resourceScope{}, false
	}
	res, perms, ok := strings.Cut(rest, ".")
	if !ok || res == "" {
		return resourceScope{}, false
	}
	switch perms {
	case "read":
		perms = "rs"
	case "write":
		perms = "cud"
	case "*":
		perms = "cruds"
	default:
		// SMART v2: the letters of c, r, u, d, s in that order.
		last := -1
		for _, ch := range perms {
			i := strings.IndexRune("cruds", ch)
			if i <= last {
				return resourceScope{}, false
			}
			last = i
		}
		if perms == "" {
			return resourceScope{}, false
		}
	}
	return resourceScope{resource: res, perms: perms}, true
}

// Has reports whether the named scope was granted.
func (s Scopes) Has(name string) bool { return s.named[name] }

// List returns the granted scopes, sorted.
func (s Scopes) List() []string {
	out := make([]string, 0, len(s.named))
	for k := range s.named {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Allows reports whether s grants need.
func (s Scopes) Allows(need Need) bool {
	switch {
	case need.Scope != "":
		return s.named[need.Scope]
	case need.Resource != "":
		for _, r := range s.resources {
			if (r.resource == need.Resource || r.resource == "*") && strings.IndexByte(r.perms, need.Perm) >= 0 {
				return true
			}
		}
		return false
	}
	return true
}

// Need is what a request needs beyond a valid token: a named scope, or a
// permission (c, r, u, d or s) on a resource type. The zero Need is met
// by any valid token.
type Need struct {
	// Public requests need no token at all.
	Public   bool
	Scope    string
	Resource string
	Perm     byte
}

// String names the scope that grants the need, as a 403 reports it.
func (n Need) String() string {
	switch {
	case n.Scope != "":
		return n.Scope
	case n.Resource != "":
		perms := "rs"
		if n.Perm != 'r' && n.Perm != 's' {
			perms = string(n.Perm)
		}
		return "system/" + n.Resource + "." + perms
	}
	return ""
}

// Paths that need no token.
const (
	SmartConfigPath = "/.well-known/smart-configuration"
	TokenPath       = "/auth/token"
)

var publicPaths = map[string]bool{
	"/metadata":     true,
	SmartConfigPath: true,
	TokenPath:       true,
	"/healthz":      true,
	"/readyz":       true,
	"/metrics":      true,
}

// Classify tells what a request needs from its method and path (with
// '$' unescaped): public paths, reads of OperationDefinitions and OPTIONS
// (CORS preflight) nothing; an operation ($apply, $evaluate,
// $cql, at any level) or a CDS Hooks service ScopeEvaluate; a read of
// /Type/id the r permission on Type, a search (/Type, /Type/_search) s;
// writes c, u or d; anything else (unknown paths) just a valid token.
func Classify(method, path string) Need {
	// CORS preflights carry no credential and read nothing.
	if publicPaths[path] || method == "OPTIONS" || webPublic(path) {
		return Need{Public: true}
	}
	if isWeb(path) {
		return webNeed(method, path)
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if segs[0] == "cds-services" {
		return Need{Scope: ScopeEvaluate}
	}
	for _, s := range segs {
		if strings.HasPrefix(s, "$") {
			return Need{Scope: ScopeEvaluate}
		}
	}
	typ := segs[0]
	// OperationDefinitions describe the server, as /metadata does.
	if typ == "OperationDefinition" && (method == "GET" || method == "HEAD") {
		return Need{Public: true}
	}
	if typ == "" || typ[0] < 'A' || typ[0] > 'Z' {
		return Need{}
	}
	n := Need{Resource: typ}
	switch method {
	case "GET", "HEAD":
		n.Perm = 'r'
		if len(segs) == 1 {
			n.Perm = 's'
		}
	case "POST":
		n.Perm = 'c'
		if len(segs) == 2 && segs[1] == "_search" {
			n.Perm = 's'
		}
	case "PUT", "PATCH":
		n.Perm = 'u'
	case "DELETE":
		n.Perm = 'd'
	default:
		return Need{}
	}
	return n
}
