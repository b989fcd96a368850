package engine

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/value"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/obs"
)

// observeApply records one Apply in the metrics: its outcome by
// PlanDefinition (loaded ones by id; others, from the data-in Bundle or
// unknown, as "other"), its time, and the CARDs that fired.
func observeApply(set *pkgSet, start time.Time, plans []plan, res *ApplyResult, err error) {
	label := obs.Other
	if len(plans) > 0 && plans[0].pkg != nil {
		label = obs.PlanDefinitionLabels.Value(fj.ID(plans[0].pd))
	}
	var re *RequestError
	outcome := "ok"
	switch {
	case errors.As(err, &re):
		outcome = "rejected"
	case err != nil:
		outcome = "failed"
	case len(res.Errors) > 0:
		outcome = "card_errors"
	}
	obs.Applies.WithLabelValues(label, outcome).Inc()
	obs.ApplyDuration.WithLabelValues(label).Observe(time.Since(start).Seconds())
	if res == nil {
		return
	}
	for _, c := range res.Cards {
		if !c.Fired || c.Resource == "" {
			continue
		}
		card := obs.Other
		if p, _ := set.lookupCanonical(nil, c.Card); p != nil {
			card = obs.CardLabels.Value(c.Card)
		}
		obs.CardsFired.WithLabelValues(card).Inc()
	}
}

// observeEval times one define evaluation of a loaded library.
func observeEval(library string, start time.Time) {
	obs.CQLEvalDuration.WithLabelValues(obs.LibraryLabels.Value(library)).Observe(time.Since(start).Seconds())
}

// startCard starts the span of one CARD action's conditions; the
// applier evaluates them under it until end is called.
func (a *applier) startCard(card, action string) (end func()) {
	ctx, span := obs.Start(a.ctx, "card.conditions", attribute.String("ccg.card", card), attribute.String("ccg.action", action))
	if !span.IsRecording() {
		return func() {}
	}
	saved := a.ctx
	a.ctx = ctx
	return func() {
		a.ctx = saved
		span.End()
	}
}

// tracedRetriever adds a span to every retrieve when the request is
// traced.
func tracedRetriever(ctx context.Context, r cql.Retriever) cql.Retriever {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return r
	}
	if rr, ok := r.(cql.RequestRetriever); ok {
		return spanRequestRetriever{rr}
	}
	return spanRetriever{r}
}

type spanRetriever struct{ r cql.Retriever }

func (s spanRetriever) Retrieve(ctx context.Context, dataType *typesNamed, codePath string, codes value.Value) ([]value.Value, error) {
	ctx, span := obs.Start(ctx, "cql.retrieve", attribute.String("ccg.type", dataType.String()))
	out, err := s.r.Retrieve(ctx, dataType, codePath, codes)
	span.SetAttributes(attribute.Int("ccg.results", len(out)))
	obs.End(span, err)
	return out, err
}

type spanRequestRetriever struct{ r cql.RequestRetriever }

func (s spanRequestRetriever) Retrieve(ctx context.Context, dataType *typesNamed, codePath string, codes value.Value) ([]value.Value, error) {
	return spanRetriever{s.r}.Retrieve(ctx, dataType, codePath, codes)
}

func (s spanRequestRetriever) RetrieveRequest(ctx context.Context, req cql.RetrieveRequest) ([]value.Value, error) {
	ctx, span := obs.Start(ctx, "cql.retrieve", attribute.String("ccg.type", req.DataType.String()))
	out, err := s.r.RetrieveRequest(ctx, req)
	span.SetAttributes(attribute.Int("ccg.results", len(out)))
	obs.End(span, err)
	return out, err
}
