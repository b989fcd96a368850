package cdshooks

import (
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// hookSpec is a hook this service answers: the context fields a request
// must carry (REQUIRED in the hook's definition) and may carry.
type hookSpec struct {
	required, optional []string
}

// hooks are the hooks served, with their context fields (CDS Hooks hook
// definitions, version 1 of each hook).
var hooks = map[string]hookSpec{
	"patient-view":        {required: []string{"userId", "patientId"}, optional: []string{"encounterId"}},
	"order-select":        {required: []string{"userId", "patientId", "selections", "draftOrders"}, optional: []string{"encounterId"}},
	"order-sign":          {required: []string{"userId", "patientId", "draftOrders"}, optional: []string{"encounterId"}},
	"encounter-start":     {required: []string{"userId", "patientId", "encounterId"}},
	"encounter-discharge": {required: []string{"userId", "patientId", "encounterId"}},
}

// folderHook is the hook of a CCG Folder that declares none: its CARDs
// are evaluated whenever the patient's record is opened.
const folderHook = "patient-view"

// service is one CDS Service: a PlanDefinition answering one hook.
type service struct {
	ID, Hook, Title, Description string
	Prefetch                     map[string]string
	UsageRequirements            string
	// plan is the PlanDefinition's id; folder tells that it is a CCG
	// Folder, whose data is held to CCG_DataIn.
	plan   string
	folder bool
}

func (s *service) discovery() map[string]any {
	m := map[string]any{"hook": s.Hook, "id": s.ID, "title": s.Title, "description": s.Description}
	if len(s.Prefetch) > 0 {
		p := map[string]any{}
		for k, v := range s.Prefetch {
			p[k] = v
		}
		m["prefetch"] = p
	}
	if s.UsageRequirements != "" {
		m["usageRequirements"] = s.UsageRequirements
	}
	return m
}

// catalog caches the services of one set of loaded packages.
type catalog struct {
	mu   sync.Mutex
	pkgs []*content.Package
	list []*service
	byID map[string]*service
}

// services lists the services of the engine's loaded packages, computed
// again when the set of packages changed.
func (c *catalog) services(eng *engine.Engine) ([]*service, map[string]*service) {
	pkgs := eng.Packages()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID != nil && samePackages(c.pkgs, pkgs) {
		return c.list, c.byID
	}
	c.pkgs = pkgs
	c.list = buildServices(eng, pkgs)
	c.byID = make(map[string]*service, len(c.list))
	for _, s := range c.list {
		c.byID[s.ID] = s
	}
	return c.list, c.byID
}

func samePackages(a, b []*content.Package) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func buildServices(eng *engine.Engine, pkgs []*content.Package) []*service {
	var out []*service
	seen := map[string]bool{}
	for _, p := range pkgs {
		for _, pd := range p.PlanDefinitions("") {
			id := fj.ID(pd)
			if id == "" || seen[id] {
				continue
			}
			// the PlanDefinition $apply answers for this id (another
			// package may own its canonical)
			if r, ok := eng.PlanDefinition(id); !ok || fj.Str(r, "url") != fj.Str(pd, "url") {
				continue
			}
			seen[id] = true
			folder := validate.Classify(pd) == validate.KindFolder
			hs := triggers(pd)
			if len(hs) == 0 && folder {
				hs = []string{folderHook}
			}
			if len(hs) == 0 {
				continue
			}
			prefetch := prefetchTemplates(requirements(eng, pkgs, pd))
			for _, h := range hs {
				s := &service{ID: id, Hook: h, Title: firstNonEmpty(fj.Str(pd, "title"), fj.Str(pd, "name"), id),
					plan: id, folder: folder, Prefetch: prefetch}
				s.Description = firstNonEmpty(fj.Str(pd, "description"), s.Title)
				if len(hs) > 1 {
					s.ID = id + "-" + h
				}
				if folder {
					s.UsageRequirements = "A CCG Folder: its CARDs read the patient's data as a CCG data-in Bundle, which needs the in-progress encounter: send context.encounterId."
				}
				out = append(out, s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// triggers lists the supported hooks named by the named-event triggers
// of a PlanDefinition's actions (at any depth), each once, in order.
func triggers(pd map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	var walk func([]map[string]any)
	walk = func(actions []map[string]any) {
		for _, a := range actions {
			for _, t := range fj.Objs(a, "trigger") {
				name := fj.Str(t, "name")
				if fj.Str(t, "type") != "named-event" || seen[name] {
					continue
				}
				if _, ok := hooks[name]; ok {
					seen[name] = true
					out = append(out, name)
				}
			}
			walk(fj.Objs(a, "action"))
		}
	}
	walk(fj.Objs(pd, "action"))
	return out
}

// requirements gathers the data requirements of the libraries a
// PlanDefinition evaluates: its own, its actions' conditions', and those of
// the PlanDefinitions and ActivityDefinitions its actions name (a Folder's
// CARDs), a few levels deep.
func requirements(eng *engine.Engine, pkgs []*content.Package, pd map[string]any) []cql.DataRequirement {
	var refs []string
	visited := map[string]bool{}
	var visit func(r map[string]any, depth int)
	visit = func(r map[string]any, depth int) {
		if r == nil || depth > 8 {
			return
		}
		key := fj.Ref(r) + "|" + fj.Str(r, "url")
		if visited[key] {
			return
		}
		visited[key] = true
		for _, l := range fj.List(r, "library") {
			if s, ok := l.(string); ok {
				refs = append(refs, s)
			}
		}
		var actions func([]map[string]any)
		actions = func(as []map[string]any) {
			for _, a := range as {
				for _, c := range fj.Objs(a, "condition") {
					if ref := fj.Str(fj.Obj(c, "expression"), "reference"); ref != "" {
						refs = append(refs, ref)
					}
				}
				for _, dv := range fj.Objs(a, "dynamicValue") {
					if ref := fj.Str(fj.Obj(dv, "expression"), "reference"); ref != "" {
						refs = append(refs, ref)
					}
				}
				if def := fj.Str(a, "definitionCanonical"); def != "" && !strings.HasPrefix(def, "#") {
					if t, ok := eng.ByCanonical(def); ok {
						visit(t, depth+1)
					}
				}
				actions(fj.Objs(a, "action"))
			}
		}
		actions(fj.Objs(r, "action"))
		for _, dv := range fj.Objs(r, "dynamicValue") { // ActivityDefinition
			if ref := fj.Str(fj.Obj(dv, "expression"), "reference"); ref != "" {
				refs = append(refs, ref)
			}
		}
	}
	visit(pd, 0)
	var out []cql.DataRequirement
	done := map[*cql.Library]bool{}
	for _, ref := range refs {
		for _, p := range pkgs {
			l := p.Library(ref)
			if l == nil || l.CQL == nil {
				continue
			}
			if !done[l.CQL] {
				done[l.CQL] = true
				out = append(out, l.CQL.DataRequirements()...)
			}
			break
		}
	}
	return out
}

// patientSearch names the search parameter that selects a type's
// resources of one patient, for the resource types whose R4 search
// parameters include patient (or, for Patient, a read).
var patientSearch = map[string]string{}

func init() {
	for _, t := range strings.Fields(`AllergyIntolerance Appointment CarePlan CareTeam ClinicalImpression Communication
		CommunicationRequest Composition Condition Consent Coverage DetectedIssue DeviceRequest DeviceUseStatement
		DiagnosticReport DocumentReference Encounter EpisodeOfCare FamilyMemberHistory Flag Goal ImagingStudy Immunization
		ImmunizationEvaluation ImmunizationRecommendation MedicationAdministration MedicationDispense MedicationRequest
		MedicationStatement NutritionOrder Observation Procedure QuestionnaireResponse RiskAssessment ServiceRequest
		Specimen SupplyDelivery Task VisionPrescription`) {
		patientSearch[t] = "patient"
	}
}

// prefetchTemplates derives the prefetch templates of a service from its
// data requirements: the patient, the encounter, the user, and for every
// type retrieved a search of the patient's resources of that type (by
// code when every retrieve of the type filters by listed codes).
func prefetchTemplates(reqs []cql.DataRequirement) map[string]string {
	out := map[string]string{
		"patient":   "Patient/{{context.patientId}}",
		"encounter": "Encounter/{{context.encounterId}}",
		"user":      "{{context.userId}}",
	}
	type acc struct {
		codes    []string
		anyCodes bool // some retrieve reads the type without listed codes
	}
	byType := map[string]*acc{}
	var order []string
	for _, r := range reqs {
		if r.Model != "FHIR" || patientSearch[r.Type] == "" {
			continue
		}
		a := byType[r.Type]
		if a == nil {
			a = &acc{}
			byType[r.Type] = a
			order = append(order, r.Type)
		}
		if r.CodePath != "code" || len(r.Codes) == 0 {
			a.anyCodes = true
			continue
		}
		for _, c := range r.Codes {
			a.codes = append(a.codes, url.QueryEscape(c.System+"|"+c.Code))
		}
	}
	for _, t := range order {
		a := byType[t]
		q := t + "?" + patientSearch[t] + "={{context.patientId}}"
		if !a.anyCodes && len(a.codes) > 0 {
			sort.Strings(a.codes)
			q += "&code=" + strings.Join(dedupe(a.codes), ",")
		}
		out[lowerFirst(t)+"s"] = q
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
