package ui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// The $apply workbench applies a Folder to a data-in Bundle (uploaded,
// pasted or a package's example) and shows the CARDs that fired with the
// requests they made, every CARD's conditions with their results (the
// engine's explain output), and the Bundle to download.

type applyView struct {
	Folders   []option
	Examples  []option
	Data      string
	Subject   string
	Encounter string
	Allowed   bool
	// BundleError is shown beside the Bundle inputs; Error above the form.
	BundleError []string
	Error       string
	Result      *applyResult
}

type applyResult struct {
	Folder, Subject string
	Fired           []firedCard
	Cards           []engine.CardResult
	Errors          []engine.CardError
	Warnings        []string
	Download        template.URL // a data: URL of the Bundle
	Size            int
}

type firedCard struct {
	Title, Card, Resource, Type, What, JSON string
}

// maxUpload bounds an uploaded or pasted Bundle.
const maxUpload = 16 << 20

func (h *Handler) apply(c echo.Context) error {
	v := applyView{Allowed: h.allowed(c, needEvaluate)}
	folder := c.FormValue("folder")
	example := c.FormValue("example")
	for _, p := range h.sortedPackages() {
		for _, f := range p.PlanDefinitions("clinical-protocol") {
			canon := fj.Str(f, "url")
			if ver := fj.Str(f, "version"); ver != "" {
				canon += "|" + ver
			}
			v.Folders = append(v.Folders, option{Value: canon, Label: title(f) + " (" + p.Name + ")", Selected: canon == folder})
		}
	}
	v.Examples = h.exampleOptions(example)
	if c.Request().Method != http.MethodPost {
		return h.render(c, http.StatusOK, "apply", "$apply workbench", v)
	}
	v.Data = c.FormValue("data")
	v.Subject, v.Encounter = strings.TrimSpace(c.FormValue("subject")), strings.TrimSpace(c.FormValue("encounter"))
	if !v.Allowed {
		v.Error = "Your token does not allow evaluations: it needs the scope " + needEvaluate.String() + "."
		return h.render(c, http.StatusForbidden, "apply", "$apply workbench", v)
	}
	if h.cfg.Apply == nil {
		v.Error = "The guideline engine's $apply is not available on this server."
		return h.render(c, http.StatusServiceUnavailable, "apply", "$apply workbench", v)
	}
	if folder == "" {
		v.Error = "Choose a Folder."
		return h.render(c, http.StatusBadRequest, "apply", "$apply workbench", v)
	}
	data, err := h.applyData(c, v.Data, example)
	if err != nil {
		v.BundleError = []string{err.Error()}
		return h.render(c, http.StatusBadRequest, "apply", "$apply workbench", v)
	}
	bundle, err := fj.DecodeObj(data)
	if err != nil {
		v.BundleError = []string{"The Bundle is not valid JSON: " + err.Error()}
		return h.render(c, http.StatusBadRequest, "apply", "$apply workbench", v)
	}
	if t := fj.Type(bundle); t != "Bundle" {
		v.BundleError = []string{"The data-in must be a Bundle resource, not " + firstNonEmpty(t, "a JSON object without resourceType") + "."}
		return h.render(c, http.StatusBadRequest, "apply", "$apply workbench", v)
	}
	// The defaults are not written back into the form: another Bundle
	// chosen next gets its own.
	subject, encounter := v.Subject, v.Encounter
	if subject == "" {
		subject = firstOf(bundle, "Patient", nil)
	}
	if encounter == "" {
		encounter = firstOf(bundle, "Encounter", func(r map[string]any) bool { return fj.Str(r, "status") == "in-progress" })
	}
	params := []any{map[string]any{"name": "url", "valueCanonical": folder}}
	if subject != "" {
		params = append(params, map[string]any{"name": "subject", "valueString": subject})
	}
	if encounter != "" {
		params = append(params, map[string]any{"name": "encounter", "valueString": encounter})
	}
	params = append(params, map[string]any{"name": "data", "resource": json.RawMessage(data)})
	body, err := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": params})
	if err != nil {
		return err
	}
	status, resp, res, err := h.cfg.Apply.Apply(ctx(c), c, "", body, true)
	if err != nil {
		v.Error = "Nothing was applied: " + err.Error()
		return h.render(c, http.StatusInternalServerError, "apply", "$apply workbench", v)
	}
	if res == nil {
		for _, is := range fj.Objs(resp, "issue") {
			msg := fj.Str(is, "diagnostics")
			if ex := fj.List(is, "expression"); len(ex) > 0 {
				if s, _ := ex[0].(string); s != "" {
					msg = s + ": " + msg
				}
			}
			v.BundleError = append(v.BundleError, msg)
		}
		return h.render(c, status, "apply", "$apply workbench", v)
	}
	v.Result = resultView(res, folder, subject)
	return h.render(c, http.StatusOK, "apply", "$apply workbench", v)
}

// applyData is the Bundle: the uploaded file, else the pasted text, else
// the example chosen.
func (h *Handler) applyData(c echo.Context, pasted, example string) ([]byte, error) {
	if fh, err := c.FormFile("upload"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxUpload {
			return nil, errors.New("the uploaded file is larger than 16 MiB")
		}
		return b, nil
	}
	if strings.TrimSpace(pasted) != "" {
		return []byte(pasted), nil
	}
	if example != "" {
		if b, ok := h.example(example); ok {
			return b, nil
		}
		return nil, errors.New("no example Bundle is named " + example)
	}
	return nil, errors.New("give a data-in Bundle: upload a file, paste it, or choose an example")
}

// firstOf is the reference of the first entry of type typ (that ok
// accepts, else the first of that type).
func firstOf(bundle map[string]any, typ string, ok func(map[string]any) bool) string {
	first := ""
	for _, e := range fj.Objs(bundle, "entry") {
		r := fj.Obj(e, "resource")
		if fj.Type(r) != typ || fj.ID(r) == "" {
			continue
		}
		if ok == nil || ok(r) {
			return fj.Ref(r)
		}
		if first == "" {
			first = fj.Ref(r)
		}
	}
	return first
}

func resultView(res *engine.ApplyResult, folder, subject string) *applyResult {
	out := &applyResult{Folder: folder, Subject: subject, Cards: res.Cards, Errors: res.Errors, Warnings: res.DataWarnings}
	byRef := map[string]map[string]any{}
	for _, e := range fj.Objs(res.Bundle, "entry") {
		r := fj.Obj(e, "resource")
		byRef[fj.Ref(r)] = r
	}
	for _, cr := range res.Cards {
		if !cr.Fired {
			continue
		}
		fc := firedCard{Title: cr.Title, Card: cr.Card, Resource: cr.Resource}
		if r := byRef[cr.Resource]; r != nil {
			fc.Type = fj.Type(r)
			fc.What = firstNonEmpty(concept(fj.Obj(r, "code")), concept(fj.Obj(r, "medicationCodeableConcept")), fj.Str(r, "description"))
			if b, err := fj.Marshal(r); err == nil {
				fc.JSON = string(b)
			}
		}
		out.Fired = append(out.Fired, fc)
	}
	if b, err := fj.Marshal(res.Bundle); err == nil {
		out.Download = template.URL("data:application/fhir+json;base64," + base64.StdEncoding.EncodeToString(b)) //nolint:gosec // our own JSON, base64
		out.Size = len(b)
	}
	return out
}
