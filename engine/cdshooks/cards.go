package cdshooks

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ccg-project/ccg/engine"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// maxSummary is the longest card summary: CDS Hooks asks for fewer than
// 140 characters.
const maxSummary = 139

const (
	cpgActivityType = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs"
	extCardErrors   = "org.ccg-project.card-errors"
)

// stoppedStatus is the status that ends an order of each request type.
var stoppedStatus = map[string]string{
	"MedicationRequest": "stopped", "ServiceRequest": "revoked", "DeviceRequest": "revoked",
	"NutritionOrder": "revoked", "CommunicationRequest": "revoked",
}

// answer builds one response.
type answer struct {
	h    *Handler
	data *callData
	res  *engine.ApplyResult
	// resources are the $apply Bundle's resources by "Type/id"; cardOf
	// the CARD (PlanDefinition canonical) that produced each.
	resources map[string]map[string]any
	cardOf    map[string]string
	// local maps the fullUrl of each Bundle entry to its Type/id.
	local map[string]string
	// rgRefs are the references to the RequestGroup (Type/id, fullUrl).
	rgRefs map[string]bool
	system []any
}

// respond turns the RequestGroup into the CDS Hooks response: a card per
// action, suggestions carrying the proposed resources, systemActions for
// actions the PlanDefinition requires (requiredBehavior must).
func (h *Handler) respond(data *callData, res *engine.ApplyResult) map[string]any {
	a := &answer{h: h, data: data, res: res, resources: map[string]map[string]any{}, cardOf: map[string]string{},
		local: map[string]string{}, rgRefs: map[string]bool{fj.Ref(res.RequestGroup): true}}
	for _, e := range fj.Objs(res.Bundle, "entry") {
		if r := fj.Obj(e, "resource"); fj.ID(r) != "" {
			a.resources[fj.Ref(r)] = r
			if fu := fj.Str(e, "fullUrl"); fu != "" {
				a.local[fu] = fj.Ref(r)
				if fj.Ref(r) == fj.Ref(res.RequestGroup) {
					a.rgRefs[fu] = true
				}
			}
		}
	}
	for _, c := range res.Cards {
		if c.Resource != "" {
			a.cardOf[c.Resource] = c.Card
		}
	}
	cards := []any{}
	for _, ra := range fj.Objs(res.RequestGroup, "action") {
		cards = append(cards, a.card(ra))
	}
	out := map[string]any{"cards": cards}
	if len(a.system) > 0 {
		out["systemActions"] = a.system
	}
	if len(res.Errors) > 0 {
		var errs []any
		for _, e := range res.Errors {
			errs = append(errs, map[string]any{"card": e.Card, "expression": e.Expression, "message": e.Message})
		}
		out["extension"] = map[string]any{extCardErrors: errs}
	}
	return out
}

// target is the Type/id of the resource a RequestGroup action refers to
// (by the fullUrl of its Bundle entry, or by Type/id).
func (a *answer) target(action map[string]any) string {
	ref := fj.Str(fj.Obj(action, "resource"), "reference")
	if t, ok := a.local[ref]; ok {
		return t
	}
	return ref
}

// plan is the PlanDefinition an action comes from: the CARD that
// produced its (or its first sub-action's) resource, else the applied one.
func (a *answer) plan(ra map[string]any) map[string]any {
	for _, x := range append([]map[string]any{ra}, fj.Objs(ra, "action")...) {
		if c := a.cardOf[a.target(x)]; c != "" {
			if pd, ok := a.h.cfg.Engine.ByCanonical(c); ok {
				return pd
			}
		}
	}
	return a.res.PlanDefinition
}

func (a *answer) card(ra map[string]any) map[string]any {
	pd := a.plan(ra)
	title := firstNonEmpty(fj.Str(ra, "title"), fj.Str(ra, "textEquivalent"), fj.Str(ra, "description"), fj.Str(pd, "title"), "Recommendation")
	card := map[string]any{"uuid": uuid.NewString(), "summary": truncate(title, maxSummary), "source": source(pd)}
	var detail []string
	for _, k := range []string{"description", "textEquivalent"} {
		if s := fj.Str(ra, k); s != "" && s != title && !contains(detail, s) {
			detail = append(detail, s)
		}
	}
	if len(detail) > 0 {
		card["detail"] = strings.Join(detail, "\n\n")
	}
	if links := links(pd); len(links) > 0 {
		card["links"] = links
	}
	subs := fj.Objs(ra, "action")
	if len(subs) == 0 {
		subs = []map[string]any{ra}
	}
	var suggestions []any
	stops := false
	for _, sa := range subs {
		acts, stop := a.actions(sa)
		stops = stops || stop
		if len(acts) == 0 {
			continue
		}
		if fj.Str(ra, "requiredBehavior") == "must" || fj.Str(sa, "requiredBehavior") == "must" {
			a.system = append(a.system, acts...)
			continue
		}
		suggestions = append(suggestions, map[string]any{"label": truncate(firstNonEmpty(fj.Str(sa, "title"), title), maxSummary),
			"uuid": uuid.NewString(), "actions": acts})
	}
	if len(suggestions) == 1 {
		suggestions[0].(map[string]any)["isRecommended"] = true
	}
	if len(suggestions) > 0 {
		card["suggestions"] = suggestions
		card["selectionBehavior"] = selectionBehavior(fj.Str(ra, "selectionBehavior"))
	}
	card["indicator"] = indicator(fj.Str(ra, "priority"), stops)
	return card
}

// actions are the CDS Hooks actions of one RequestGroup action: create
// the proposed resource; for a CPG stop task on a draft order of the
// hook, delete that draft; on an existing order, update it to its stopped
// status (and create the task). stop tells that the action stops
// something.
func (a *answer) actions(sa map[string]any) (acts []any, stop bool) {
	r := a.resources[a.target(sa)]
	if r == nil {
		return nil, false
	}
	r = a.proposed(r)
	desc := firstNonEmpty(fj.Str(sa, "description"), fj.Str(sa, "title"), fj.Str(r, "description"), "Create "+fj.Type(r))
	create := map[string]any{"type": "create", "description": desc, "resource": r}
	focus := fj.Str(fj.Obj(r, "focus"), "reference")
	if fj.Type(r) != "Task" || !isStopTask(r) || focus == "" {
		return []any{create}, false
	}
	if a.data.drafts[focus] {
		return []any{map[string]any{"type": "delete", "description": "Remove the draft order " + focus + ": " + desc, "resourceId": focus}}, true
	}
	old := a.data.byRef[focus]
	status := stoppedStatus[fj.Type(old)]
	if old == nil || status == "" {
		return []any{create}, true
	}
	upd := fj.CloneObj(old)
	upd["status"] = status
	return []any{map[string]any{"type": "update", "description": "Set " + focus + " to " + status + ": " + desc, "resource": upd}, create}, true
}

func isStopTask(r map[string]any) bool {
	for _, c := range fj.Objs(fj.Obj(r, "code"), "coding") {
		if fj.Str(c, "system") == cpgActivityType && fj.Str(c, "code") == "stop-activity" {
			return true
		}
	}
	return false
}

// proposed is a resource as the CDS client would create it: without the
// references to the RequestGroup, which is not part of the response.
func (a *answer) proposed(r map[string]any) map[string]any {
	r = fj.CloneObj(r)
	var keep []any
	for _, b := range fj.List(r, "basedOn") {
		if m, ok := b.(map[string]any); ok && a.rgRefs[fj.Str(m, "reference")] {
			continue
		}
		keep = append(keep, b)
	}
	if len(keep) == 0 {
		delete(r, "basedOn")
	} else {
		r["basedOn"] = keep
	}
	return r
}

// source is the card's source: the PlanDefinition's publisher (else its
// title), with the first URL of its relatedArtifact.
func source(pd map[string]any) map[string]any {
	s := map[string]any{"label": firstNonEmpty(fj.Str(pd, "publisher"), fj.Str(pd, "title"), fj.Str(pd, "name"), "ccg")}
	for _, ra := range fj.Objs(pd, "relatedArtifact") {
		if u := artifactURL(ra); u != "" {
			s["url"] = u
			break
		}
	}
	return s
}

func artifactURL(ra map[string]any) string {
	u := firstNonEmpty(fj.Str(ra, "url"), fj.Str(fj.Obj(ra, "document"), "url"))
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// links are the PlanDefinition's related artifacts that have a URL.
func links(pd map[string]any) []any {
	var out []any
	for _, ra := range fj.Objs(pd, "relatedArtifact") {
		u := artifactURL(ra)
		if u == "" {
			continue
		}
		label := firstNonEmpty(fj.Str(ra, "display"), fj.Str(ra, "label"), fj.Str(ra, "citation"), u)
		out = append(out, map[string]any{"label": truncate(label, maxSummary), "url": u, "type": "absolute"})
	}
	return out
}

// indicator maps a request priority to a card indicator; an action that
// stops something is at least a warning.
func indicator(priority string, stop bool) string {
	switch priority {
	case "stat", "asap":
		return "critical"
	case "urgent":
		return "warning"
	}
	if stop {
		return "warning"
	}
	return "info"
}

// selectionBehavior maps a FHIR action selection behavior to the two of
// CDS Hooks.
func selectionBehavior(s string) string {
	switch s {
	case "at-most-one", "exactly-one":
		return "at-most-one"
	}
	return "any"
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
