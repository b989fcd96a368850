package validate

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
)

// ProfileBase is the base of the CCG profiles' canonical URLs.
const ProfileBase = "https://profiles.ihe.net/QRPH/CCG/StructureDefinition/"

// ClaimsCCG reports whether content claims the CCG profiles: one of its
// resources names a CCG profile in meta.profile (a Folder, a CARD, the
// deployment package, ...), or an ActivityDefinition carries a CCG CARD
// type. Only such content is held to the CCG profiles; other content is
// checked with CPG's rules (see Content).
func ClaimsCCG(resources []Resource) bool {
	for _, r := range resources {
		for _, p := range list(obj(r["meta"]), "profile") {
			if s, _ := p.(string); strings.HasPrefix(s, ProfileBase) || strings.HasPrefix(s, "http://profiles.ihe.net/QRPH/CCG/StructureDefinition/") {
				return true
			}
		}
		if str(r, "resourceType") == "ActivityDefinition" {
			for _, t := range list(r, "topic") {
				for _, c := range list(obj(t), "coding") {
					if s := str(obj(c), "system"); s == CardTypeSystem || s == cardTypeSystemAltHTTP {
						return true
					}
				}
			}
		}
	}
	return false
}

// Content checks content by what it claims: CCG content (ccg) against the
// CCG profiles (Package), other content against the rules of the HL7 CPG
// implementation guide for computable artifacts (CPG). errs make the
// content unusable; warnings are shareable-artifact metadata CPG asks for
// and that $apply does without.
func Content(resources []Resource, ccg, requireIG bool) (errs, warnings []Violation) {
	if ccg || requireIG {
		return Package(resources, requireIG), nil
	}
	return CPG(resources)
}

// CPG checks PlanDefinitions, ActivityDefinitions and Libraries that do
// not claim CCG: the elements FHIR R4 requires of them and what $apply
// relies on are errors (status; a Library's type and readable CQL; an
// action condition's kind and expression language; a contained
// definition that exists), the shareable metadata of CPG's
// cpg-shareable* profiles (url, version, name, experimental, publisher,
// description) warnings.
func CPG(resources []Resource) (errs, warnings []Violation) {
	for _, r := range resources {
		c := &checker{res: r}
		w := &checker{res: r}
		switch str(r, "resourceType") {
		case "PlanDefinition":
			c.required("status")
			c.cpgActions(list(r, "action"), "action")
		case "ActivityDefinition":
			c.required("status")
			if str(r, "kind") == "" {
				w.add("kind", "an ActivityDefinition without kind produces no resource when applied")
			}
		case "Library":
			c.required("status", "type")
			c.cqlContent()
		default:
			continue
		}
		for _, f := range []string{"url", "version", "name", "experimental", "publisher", "description"} {
			if _, ok := r[f]; !ok {
				w.add(f, "is expected of a shareable artifact (CPG)")
			}
		}
		errs = append(errs, c.out...)
		warnings = append(warnings, w.out...)
	}
	return errs, warnings
}

func (c *checker) cpgActions(actions []any, path string) {
	for i, a := range actions {
		am := obj(a)
		p := fmt.Sprintf("%s[%d]", path, i)
		if am == nil {
			c.add(p, "must be an object")
			continue
		}
		for j, cd := range list(am, "condition") {
			cm := obj(cd)
			cp := fmt.Sprintf("%s.condition[%d]", p, j)
			switch k := str(cm, "kind"); k {
			case "applicability", "start", "stop":
			case "":
				c.add(cp+".kind", "is required")
			default:
				c.add(cp+".kind", "must be applicability, start or stop, got %q", k)
			}
			if e := obj(cm["expression"]); e != nil && str(e, "language") == "" {
				c.add(cp+".expression.language", "is required")
			}
		}
		for j, dv := range list(am, "dynamicValue") {
			if e := obj(obj(dv)["expression"]); e != nil && str(e, "language") == "" {
				c.add(fmt.Sprintf("%s.dynamicValue[%d].expression.language", p, j), "is required")
			}
		}
		if d := str(am, "definitionCanonical"); strings.HasPrefix(d, "#") && !c.contains(d[1:]) {
			c.add(p+".definitionCanonical", "names the contained resource %q, which is not there", d)
		}
		c.cpgActions(list(am, "action"), p+".action")
	}
}

func (c *checker) contains(id string) bool {
	for _, r := range list(c.res, "contained") {
		if str(obj(r), "id") == id {
			return true
		}
	}
	return false
}

// cqlContent checks a Library's text/cql attachments: each has data in
// base64 or a url.
func (c *checker) cqlContent() {
	for i, a := range list(c.res, "content") {
		am := obj(a)
		if !strings.HasPrefix(str(am, "contentType"), "text/cql") {
			continue
		}
		if _, ok := am["data"]; !ok {
			if str(am, "url") == "" {
				c.add(fmt.Sprintf("content[%d]", i), "a text/cql attachment needs data (or a url)")
			}
			continue
		}
		if !isBase64(str(am, "data")) {
			c.add(fmt.Sprintf("content[%d].data", i), "is not base64")
		}
	}
}

// Group is one kind of problem (the same path and message) and the
// resources that have it.
type Group struct {
	Path, Message string
	Resources     []string
}

func (g Group) String() string {
	if len(g.Resources) == 1 {
		return Violation{Resource: g.Resources[0], Path: g.Path, Message: g.Message}.String()
	}
	const shown = 3
	names := g.Resources
	more := ""
	if len(names) > shown {
		more = fmt.Sprintf(" and %d more", len(names)-shown)
		names = names[:shown]
	}
	head := g.Message
	if g.Path != "" {
		head = g.Path + ": " + g.Message
	}
	return fmt.Sprintf("%s (%d resources: %s%s)", head, len(g.Resources), strings.Join(names, ", "), more)
}

// Grouped reports violations once per kind: violations with the same path
// and message are one Group listing their resources, in the order first
// seen, so that 38 PlanDefinitions missing a publisher are one line.
func Grouped(vs []Violation) []Group {
	var out []Group
	at := map[[2]string]int{}
	for _, v := range vs {
		k := [2]string{v.Path, v.Message}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Group{Path: v.Path, Message: v.Message})
		}
		out[i].Resources = append(out[i].Resources, v.Resource)
	}
	for i := range out {
		sort.Strings(out[i].Resources)
	}
	return out
}

func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}
