package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/server"
)

// The Folder page draws a Folder (a clinical-protocol PlanDefinition) as
// the tree of its CARDs: each CARD's title and type, its applicability
// conditions with the CQL of the define each names, and the
// ActivityDefinition with the request it makes.

type folderView struct {
	Package, ID, Title, URL, Version, Description string
	Inactive                                      string
	Cards                                         []cardView
}

type cardView struct {
	Title, Canonical, ID, Description string
	// Type is the CARD type's display and code ("Propose a Diagnosis (propdx)").
	Type     string
	Missing  bool
	Inactive string
	Actions  []actionView
}

type actionView struct {
	Title, Description string
	Conditions         []condView
	Activity           *activityView
	// Sub is a nested PlanDefinition (a Folder in a Folder).
	Sub *cardView
}

type condView struct {
	Description, Language, Expression string
	// Library is the library's name or URL; Link goes to the define in
	// the library page.
	Library, Link string
	// Source is the define's CQL, highlighted.
	Source template.HTML
	Line   int
}

type activityView struct {
	Title, Canonical, Kind, Intent, Priority string
	// Request says which resource the CARD makes, with its profile.
	Request string
	Details [][2]string
	JSON    string
	Missing bool
}

// maxFolderDepth bounds nested PlanDefinitions (cycles included).
const maxFolderDepth = 6

func (h *Handler) folder(c echo.Context) error {
	pkg := h.packageByName(c.QueryParam("package"))
	if pkg == nil {
		return h.notFound(c, "No loaded package is named "+c.QueryParam("package")+".")
	}
	pd := pkg.Resource("PlanDefinition", c.QueryParam("id"))
	if pd == nil {
		return h.notFound(c, "Package "+pkg.Name+" has no PlanDefinition "+c.QueryParam("id")+".")
	}
	v := h.folderView(pkg, pd)
	return h.render(c, http.StatusOK, "folder", "Folder "+v.Title, v)
}

// treeBuilder builds a Folder's tree; defs holds the defines of each
// library read so far.
type treeBuilder struct {
	defs map[*content.Library]map[string]server.DefineText
}

// folderView builds the tree of a Folder.
func (h *Handler) folderView(pkg *content.Package, pd map[string]any) folderView {
	tb := &treeBuilder{defs: map[*content.Library]map[string]server.DefineText{}}
	v := folderView{Package: pkg.Name, ID: fj.ID(pd), Title: title(pd), URL: fj.Str(pd, "url"), Version: fj.Str(pd, "version"),
		Description: fj.Str(pd, "description"), Inactive: pkg.Inactive[fj.Ref(pd)]}
	for _, act := range fj.Objs(pd, "action") {
		def := fj.Str(act, "definitionCanonical")
		card := pkg.ByCanonical(def)
		if card == nil || fj.Type(card) != "PlanDefinition" {
			if len(fj.Objs(act, "condition")) > 0 || def == "" {
				// An action with its own conditions is a CARD inline.
				cv := cardView{Title: firstNonEmpty(fj.Str(act, "title"), "(untitled action)")}
				cv.Actions = []actionView{tb.actionView(pkg, pd, act, 1)}
				v.Cards = append(v.Cards, cv)
				continue
			}
			v.Cards = append(v.Cards, cardView{Title: firstNonEmpty(fj.Str(act, "title"), def), Canonical: def, Missing: true})
			continue
		}
		v.Cards = append(v.Cards, tb.cardView(pkg, card, 1))
	}
	return v
}

func (tb *treeBuilder) cardView(pkg *content.Package, card map[string]any, depth int) cardView {
	cv := cardView{Title: title(card), Canonical: fj.Str(card, "url"), ID: fj.ID(card), Description: fj.Str(card, "description"),
		Inactive: pkg.Inactive[fj.Ref(card)]}
	if t, ok := cards.OfActivity(card); ok {
		cv.Type = t.Display + " (" + t.Code + ")"
	}
	for _, act := range fj.Objs(card, "action") {
		cv.Actions = append(cv.Actions, tb.actionView(pkg, card, act, depth))
	}
	return cv
}

func (tb *treeBuilder) actionView(pkg *content.Package, owner, act map[string]any, depth int) actionView {
	av := actionView{Title: fj.Str(act, "title"), Description: fj.Str(act, "description")}
	for _, cond := range fj.Objs(act, "condition") {
		if fj.Str(cond, "kind") != "applicability" {
			continue
		}
		av.Conditions = append(av.Conditions, tb.condView(pkg, owner, fj.Obj(cond, "expression")))
	}
	def := fj.Str(act, "definitionCanonical")
	if def == "" {
		return av
	}
	r := pkg.ByCanonical(def)
	switch {
	case r == nil:
		av.Activity = &activityView{Canonical: def, Missing: true}
	case fj.Type(r) == "PlanDefinition" && depth < maxFolderDepth:
		sub := tb.cardView(pkg, r, depth+1)
		av.Sub = &sub
	case fj.Type(r) == "ActivityDefinition":
		av.Activity = activity(r)
	}
	return av
}

// condView finds the CQL a condition names: a define of its reference
// library, else of one of the owner's libraries; inline CQL is shown as
// written.
func (tb *treeBuilder) condView(pkg *content.Package, owner, expr map[string]any) condView {
	cv := condView{Description: fj.Str(expr, "description"), Language: fj.Str(expr, "language"), Expression: fj.Str(expr, "expression")}
	if !strings.HasPrefix(cv.Language, "text/cql") {
		cv.Source = template.HTML(template.HTMLEscapeString(cv.Expression)) //nolint:gosec // escaped
		return cv
	}
	refs := fj.List(owner, "library")
	if ref := fj.Str(expr, "reference"); ref != "" {
		refs = []any{ref}
	}
	for _, r := range refs {
		ref, _ := r.(string)
		lib := pkg.Library(ref)
		if lib == nil {
			continue
		}
		name := lib.URL
		if lib.CQL != nil {
			name = lib.CQL.Name
		}
		if cv.Language == "text/cql" && !isIdentifier(cv.Expression) {
			cv.Library = name
			break
		}
		defs, ok := tb.defs[lib]
		if !ok {
			defs = server.DefineSources(lib.Source)
			tb.defs[lib] = defs
		}
		if d, ok := defs[strings.Trim(cv.Expression, `"`)]; ok {
			cv.Library, cv.Line = name, d.Line
			cv.Source = highlightCQL(d.Text)
			cv.Link = "/ui/library?package=" + url.QueryEscape(pkg.Name) + "&url=" + url.QueryEscape(lib.URL) + "#L" + strconv.Itoa(d.Line)
			return cv
		}
	}
	cv.Source = highlightCQL(cv.Expression)
	return cv
}

// isIdentifier reports whether inline CQL is just a define's name.
func isIdentifier(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && len(s) > 1 {
		return !strings.Contains(s[1:len(s)-1], `"`)
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// activity describes an ActivityDefinition and the request it makes.
func activity(ad map[string]any) *activityView {
	av := &activityView{Title: title(ad), Canonical: fj.Str(ad, "url"), Kind: fj.Str(ad, "kind"), Intent: fj.Str(ad, "intent"),
		Priority: fj.Str(ad, "priority")}
	av.Request = av.Kind
	if t, ok := cards.OfActivity(ad); ok {
		av.Request = t.Request + " (" + strings.TrimPrefix(t.Profile, cards.CPG) + ")"
		if t.TaskCode != "" {
			av.Request += ", Task.code " + t.TaskCode
		}
	}
	add := func(k, v string) {
		if v != "" {
			av.Details = append(av.Details, [2]string{k, v})
		}
	}
	add("code", concept(fj.Obj(ad, "code")))
	add("product", concept(fj.Obj(ad, "productCodeableConcept")))
	if ref := fj.Str(fj.Obj(ad, "productReference"), "reference"); ref != "" {
		add("product", ref)
	}
	for _, d := range fj.Objs(ad, "dosage") {
		add("dosage", fj.Str(d, "text"))
	}
	for _, d := range fj.Objs(ad, "dynamicValue") {
		add("dynamic value "+fj.Str(d, "path"), fj.Str(fj.Obj(d, "expression"), "expression"))
	}
	if b, err := fj.Marshal(withoutText(ad)); err == nil {
		av.JSON = string(b)
	}
	return av
}

// withoutText is r without its narrative (shown as JSON).
func withoutText(r map[string]any) map[string]any {
	out := make(map[string]any, len(r))
	for k, v := range r {
		if k != "text" {
			out[k] = v
		}
	}
	return out
}

// concept is a CodeableConcept's text or first coding's display (code).
func concept(cc map[string]any) string {
	if cc == nil {
		return ""
	}
	if t := fj.Str(cc, "text"); t != "" {
		return t
	}
	for _, cd := range fj.Objs(cc, "coding") {
		s := fj.Str(cd, "display")
		if code := fj.Str(cd, "code"); code != "" {
			if s != "" {
				s += " "
			}
			s += "(" + code + ")"
		}
		return s
	}
	return ""
}

func title(r map[string]any) string {
	return firstNonEmpty(fj.Str(r, "title"), fj.Str(r, "name"), fj.Ref(r))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
