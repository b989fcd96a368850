// Package validate checks FHIR resources against the IHE Computable Care
// Guidelines (CCG) profiles: the CCG Folder and CARD PlanDefinitions, the
// CARD ActivityDefinitions and Libraries, the Deployment Package
// (ImplementationGuide) and the CCG_Signature Provenance. It reports every
// violation it finds, each with the resource and the element path. Content
// that does not claim CCG (ClaimsCCG) is held to the HL7 CPG rules instead
// (CPG), and Expressions checks that every CQL expression a PlanDefinition
// or ActivityDefinition names resolves.
//
// Where the profile's FSH and the prose of Volume 3 disagree, the prose wins:
//   - "id = same as url" is read as: url is a canonical whose last path
//     segment is the id (the shape of every example in the profile);
//   - the deployment package's url must carry the same UUID as its id (the
//     FSH invariant url.contains(id).not() contradicts its own description);
//   - the signature type system may be the prose's
//     "http://hl7.org/fhir/ValueSet/signature-type" or the FSH's
//     "urn:iso-astm:E1762-95:2013".
package validate

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Violation is one way a resource fails a CCG profile.
type Violation struct {
	Resource string // "PlanDefinition/card-1" (or the file name when no id)
	Path     string // FHIRPath-like element path, "" for the resource itself
	Message  string
}

func (v Violation) String() string {
	if v.Path == "" {
		return v.Resource + ": " + v.Message
	}
	return v.Resource + " " + v.Path + ": " + v.Message
}

// Code systems and values used by the profiles.
const (
	PlanDefTypeSystem     = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
	ConditionKindSystem   = "http://hl7.org/fhir/action-condition-kind"
	CardTypeSystem        = "https://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs"
	SignatureTypeCode     = "1.2.840.10065.1.12.1.1"
	SignatureTypeProse    = "http://hl7.org/fhir/ValueSet/signature-type"
	SignatureTypeFSH      = "urn:iso-astm:E1762-95:2013"
	SignatureTypeDisplay  = "Author's Signature"
	KindFolder            = "folder"
	KindCARD              = "card"
	KindLibrary           = "library"
	KindActivity          = "activity"
	KindDeployment        = "deployment"
	KindSignature         = "signature"
	KindOther             = ""
	cardTypeSystemAltHTTP = "http://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs"
)

// CardTypes are the codes of the CCG CARD type code system.
var CardTypes = map[string]bool{
	"provide": true, "collect": true, "reqlab": true, "reqrad": true, "reqproc": true, "reqref": true,
	"propdx": true, "orderrx": true, "disprx": true, "adminrx": true, "reqvx": true, "stoprx": true, "stopsrv": true,
}

// Resource is a parsed FHIR resource (JSON object).
type Resource = map[string]any

// Classify tells which CCG profile a resource falls under.
func Classify(r Resource) string {
	switch str(r, "resourceType") {
	case "PlanDefinition":
		switch planType(r) {
		case "clinical-protocol":
			return KindFolder
		case "eca-rule":
			return KindCARD
		}
	case "Library":
		return KindLibrary
	case "ActivityDefinition":
		return KindActivity
	case "ImplementationGuide":
		return KindDeployment
	case "Provenance":
		return KindSignature
	}
	return KindOther
}

func planType(r Resource) string {
	t, _ := r["type"].(map[string]any)
	for _, c := range list(t, "coding") {
		cm, _ := c.(map[string]any)
		if str(cm, "system") == PlanDefTypeSystem || str(cm, "system") == "" {
			return str(cm, "code")
		}
	}
	return ""
}

// Label names a resource for messages: "Type/id".
func Label(r Resource) string {
	id := str(r, "id")
	if id == "" {
		id = "(no id)"
	}
	return str(r, "resourceType") + "/" + id
}

type checker struct {
	res Resource
	out []Violation
}

func (c *checker) add(path, format string, args ...any) {
	c.out = append(c.out, Violation{Resource: Label(c.res), Path: path, Message: fmt.Sprintf(format, args...)})
}

func str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return s
}

func list(m map[string]any, k string) []any {
	if m == nil {
		return nil
	}
	l, _ := m[k].([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func (c *checker) required(fields ...string) {
	for _, f := range fields {
		v, ok := c.res[f]
		if !ok || v == nil {
			c.add(f, "is required")
			continue
		}
		if s, isStr := v.(string); isStr && strings.TrimSpace(s) == "" {
			c.add(f, "must not be empty")
		}
	}
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// idURL checks the CCG "id = same as url" rule: url's last segment is id.
func (c *checker) idURL() {
	id, url := str(c.res, "id"), str(c.res, "url")
	if id == "" || url == "" {
		return
	}
	if !idRE.MatchString(id) {
		c.add("id", "%q is not a valid FHIR id", id)
	}
	seg := url[strings.LastIndexAny(url, "/:")+1:]
	if seg != id {
		c.add("url", "must be the canonical of the resource id %q (url ends with %q)", id, seg)
	}
}

func (c *checker) narrative() {
	t := obj(c.res["text"])
	if t == nil {
		c.add("text", "a human-friendly description (narrative) is required")
		return
	}
	if strings.TrimSpace(str(t, "div")) == "" {
		c.add("text.div", "must not be empty")
	}
}

var dateRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

func (c *checker) date() {
	if d := str(c.res, "date"); d != "" && !dateRE.MatchString(d) {
		c.add("date", "%q is not a FHIR dateTime", d)
	}
}

func (c *checker) common() {
	c.required("id", "url", "name", "title", "date", "publisher")
	c.idURL()
	c.date()
}

// Check validates one resource against the CCG profile it falls under and
// returns every violation; resources outside the profile return nil.
func Check(r Resource) []Violation {
	c := &checker{res: r}
	switch Classify(r) {
	case KindFolder:
		c.folder()
	case KindCARD:
		c.card()
	case KindLibrary:
		c.library()
	case KindActivity:
		c.activity()
	case KindDeployment:
		c.deployment()
	case KindSignature:
		c.signature()
	}
	return c.out
}

func (c *checker) folder() {
	c.common()
	c.narrative()
	actions := list(c.res, "action")
	if len(actions) == 0 {
		c.add("action", "a CCG Folder needs at least one action (one per CARD)")
	}
	for i, a := range actions {
		am := obj(a)
		if str(am, "definitionCanonical") == "" {
			c.add(fmt.Sprintf("action[%d].definitionCanonical", i), "must reference a CARD PlanDefinition")
		}
	}
}

func (c *checker) card() {
	c.common()
	c.narrative()
	if len(list(c.res, "relatedArtifact")) == 0 {
		c.add("relatedArtifact", "at least one reference to supporting evidence is required")
	}
	actions := list(c.res, "action")
	if len(actions) == 0 {
		c.add("action", "a CARD needs at least one action")
	}
	for i, a := range actions {
		am := obj(a)
		p := fmt.Sprintf("action[%d]", i)
		if am == nil {
			c.add(p, "must be an object")
			continue
		}
		if _, ok := am["trigger"]; ok {
			c.add(p+".trigger", "must be omitted in a CARD")
		}
		conds := list(am, "condition")
		if len(conds) == 0 {
			c.add(p+".condition", "at least one applicability condition is required")
		}
		for j, cd := range conds {
			cm := obj(cd)
			if k := str(cm, "kind"); k != "applicability" {
				c.add(fmt.Sprintf("%s.condition[%d].kind", p, j), "must be applicability, got %q", k)
			}
			if e := obj(cm["expression"]); e != nil && str(e, "expression") == "" {
				c.add(fmt.Sprintf("%s.condition[%d].expression.expression", p, j), "must not be empty")
			}
		}
		if str(am, "definitionCanonical") == "" {
			c.add(p+".definitionCanonical", "must be the canonical of the CARD's ActivityDefinition")
		}
	}
	for i, l := range list(c.res, "library") {
		if s, _ := l.(string); strings.TrimSpace(s) == "" {
			c.add(fmt.Sprintf("library[%d]", i), "must be a canonical")
		}
	}
}

func (c *checker) library() {
	c.common()
	c.narrative()
	found := false
	for i, a := range list(c.res, "content") {
		am := obj(a)
		if !strings.HasPrefix(str(am, "contentType"), "text/cql") {
			continue
		}
		found = true
		if _, ok := am["data"]; !ok {
			if str(am, "url") == "" {
				c.add(fmt.Sprintf("content[%d]", i), "a text/cql attachment needs data (or a url)")
			}
			continue
		}
		if _, err := base64.StdEncoding.DecodeString(str(am, "data")); err != nil {
			c.add(fmt.Sprintf("content[%d].data", i), "is not base64: %v", err)
		}
	}
	if !found {
		c.add("content", "a CQL Library needs a text/cql attachment")
	}
}

func (c *checker) activity() {
	c.common()
	codes := 0
	for i, t := range list(c.res, "topic") {
		for j, cd := range list(obj(t), "coding") {
			cm := obj(cd)
			sys := str(cm, "system")
			if sys != CardTypeSystem && sys != cardTypeSystemAltHTTP {
				continue
			}
			codes++
			if !CardTypes[str(cm, "code")] {
				c.add(fmt.Sprintf("topic[%d].coding[%d].code", i, j), "%q is not a CCG CARD type", str(cm, "code"))
			}
		}
	}
	if codes == 0 {
		c.add("topic", "must carry a CCG CARD type code from %s", CardTypeSystem)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

func (c *checker) deployment() {
	c.required("id", "url", "version", "title", "date", "publisher")
	c.date()
	id, url := str(c.res, "id"), str(c.res, "url")
	if id != "" && !uuidRE.MatchString(id) {
		c.add("id", "must be an un-prefixed UUID, got %q", id)
	}
	if id != "" && url != "" && !strings.HasSuffix(url, id) {
		c.add("url", "must carry the same UUID as id %q", id)
	}
	if v := str(c.res, "version"); v != "" && !semverRE.MatchString(v) {
		c.add("version", "%q is not a semantic version", v)
	}
}

func (c *checker) signature() {
	if len(list(c.res, "target")) == 0 {
		c.add("target", "is required")
	}
	c.required("recorded")
	agents := list(c.res, "agent")
	if len(agents) == 0 {
		c.add("agent", "is required")
	}
	var agentWho string
	for i, a := range agents {
		who := obj(obj(a)["who"])
		if who == nil {
			c.add(fmt.Sprintf("agent[%d].who", i), "is required")
			continue
		}
		if ref := str(who, "reference"); ref != "" && !strings.HasPrefix(ref, "Organization/") && !strings.Contains(ref, "/Organization/") {
			c.add(fmt.Sprintf("agent[%d].who", i), "must reference an Organization, got %q", ref)
		}
		if i == 0 {
			agentWho = whoKey(who)
		}
	}
	sigs := list(c.res, "signature")
	if len(sigs) == 0 {
		c.add("signature", "is required")
	}
	for i, s := range sigs {
		sm := obj(s)
		p := fmt.Sprintf("signature[%d]", i)
		types := list(sm, "type")
		okType := false
		for _, t := range types {
			tm := obj(t)
			if str(tm, "code") == SignatureTypeCode && (str(tm, "system") == SignatureTypeProse || str(tm, "system") == SignatureTypeFSH) {
				okType = true
			}
		}
		if !okType {
			c.add(p+".type", "must be %s#%s (%s)", SignatureTypeProse, SignatureTypeCode, SignatureTypeDisplay)
		}
		if w := str(sm, "when"); w == "" {
			c.add(p+".when", "is required")
		} else if w != str(c.res, "recorded") {
			c.add(p+".when", "must equal recorded (%q), got %q", str(c.res, "recorded"), w)
		}
		who := obj(sm["who"])
		if who == nil {
			c.add(p+".who", "is required")
		} else if agentWho != "" && whoKey(who) != agentWho {
			c.add(p+".who", "must be the same as agent.who")
		}
		switch tf := str(sm, "targetFormat"); tf {
		case "application/fhir+json", "application/fhir+xml":
		default:
			c.add(p+".targetFormat", "must be application/fhir+json or application/fhir+xml, got %q", tf)
		}
		switch sf := str(sm, "sigFormat"); sf {
		case "application/signature+json", "application/signature+xml":
		default:
			c.add(p+".sigFormat", "must be application/signature+json or application/signature+xml, got %q", sf)
		}
		if str(sm, "data") == "" {
			c.add(p+".data", "is required")
		}
	}
}

func whoKey(who map[string]any) string {
	if r := str(who, "reference"); r != "" {
		return "ref:" + r
	}
	id := obj(who["identifier"])
	return "id:" + str(id, "system") + "|" + str(id, "value")
}

// Canonical strips a "|version" suffix from a canonical reference.
func Canonical(s string) string {
	s, _, _ = strings.Cut(s, "|")
	return s
}

// Package validates a whole CCG deployment package: every resource on its
// own (its CCG profile and, unless the ImplementationGuide declares only
// other FHIR versions, the R4 structure: R4), then the references between them (Folder -> CARD -> ActivityDefinition
// and Library, Provenance targets, the deployment package's publisher).
// requireIG asks for exactly one ImplementationGuide and at least one Folder.
func Package(resources []Resource, requireIG bool) []Violation {
	var out []Violation
	byURL := map[string]Resource{}
	byRef := map[string]Resource{}
	var folders, igs, cards []Resource
	r4 := declaresR4(resources)
	for _, r := range resources {
		out = append(out, Check(r)...)
		if r4 {
			out = append(out, R4(r)...)
		}
		if u := str(r, "url"); u != "" {
			byURL[u] = r
		}
		byRef[str(r, "resourceType")+"/"+str(r, "id")] = r
		switch Classify(r) {
		case KindFolder:
			folders = append(folders, r)
		case KindDeployment:
			igs = append(igs, r)
		case KindCARD:
			cards = append(cards, r)
		}
	}
	add := func(r Resource, path, f string, a ...any) {
		out = append(out, Violation{Resource: Label(r), Path: path, Message: fmt.Sprintf(f, a...)})
	}
	if requireIG {
		switch {
		case len(igs) == 0:
			out = append(out, Violation{Resource: "package", Message: "a CCG deployment package must hold an ImplementationGuide"})
		case len(igs) > 1:
			out = append(out, Violation{Resource: "package", Message: fmt.Sprintf("a CCG deployment package holds one ImplementationGuide, found %d", len(igs))})
		}
		if len(folders) == 0 {
			out = append(out, Violation{Resource: "package", Message: "a CCG deployment package must hold a CCG Folder (PlanDefinition of type clinical-protocol)"})
		}
	}
	for _, f := range folders {
		for i, a := range list(f, "action") {
			ref := Canonical(str(obj(a), "definitionCanonical"))
			if ref == "" {
				continue
			}
			target, ok := byURL[ref]
			if !ok {
				add(f, fmt.Sprintf("action[%d].definitionCanonical", i), "CARD %q is not in the package", ref)
			} else if Classify(target) != KindCARD {
				add(f, fmt.Sprintf("action[%d].definitionCanonical", i), "%q is not a CARD PlanDefinition (type eca-rule)", ref)
			}
		}
		for _, ig := range igs {
			if p := str(ig, "publisher"); p != "" && p != str(f, "publisher") {
				add(ig, "publisher", "must match the CCG Folder publisher %q, got %q", str(f, "publisher"), p)
			}
		}
	}
	for _, cd := range cards {
		for i, a := range list(cd, "action") {
			ref := Canonical(str(obj(a), "definitionCanonical"))
			if ref == "" {
				continue
			}
			target, ok := byURL[ref]
			if !ok {
				add(cd, fmt.Sprintf("action[%d].definitionCanonical", i), "ActivityDefinition %q is not in the package", ref)
			} else if Classify(target) != KindActivity {
				add(cd, fmt.Sprintf("action[%d].definitionCanonical", i), "%q is not an ActivityDefinition", ref)
			}
		}
		for i, l := range list(cd, "library") {
			ref, _ := l.(string)
			ref = Canonical(ref)
			if ref == "" {
				continue
			}
			if target, ok := byURL[ref]; !ok {
				add(cd, fmt.Sprintf("library[%d]", i), "Library %q is not in the package", ref)
			} else if Classify(target) != KindLibrary {
				add(cd, fmt.Sprintf("library[%d]", i), "%q is not a Library", ref)
			}
		}
	}
	for _, r := range resources {
		if Classify(r) != KindSignature {
			continue
		}
		for i, t := range list(r, "target") {
			ref := str(obj(t), "reference")
			if _, ok := byRef[ref]; !ok {
				if _, ok2 := byURL[ref]; !ok2 {
					add(r, fmt.Sprintf("target[%d]", i), "signed resource %q is not in the package", ref)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}

// declaresR4 reports whether a package is for FHIR R4: its
// ImplementationGuides name a 4.0 fhirVersion, or no version at all.
func declaresR4(resources []Resource) bool {
	declared := false
	for _, r := range resources {
		if str(r, "resourceType") != "ImplementationGuide" {
			continue
		}
		for _, v := range list(r, "fhirVersion") {
			declared = true
			if s, _ := v.(string); strings.HasPrefix(s, "4.0") {
				return true
			}
		}
	}
	return !declared
}
