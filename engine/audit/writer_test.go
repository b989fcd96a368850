package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/ccg-project/ccg/internal/obs"
)

// TestGroupCommit appends from many goroutines at once: every append
// that returned without error is stored, and the writer put more than one
// event in some transaction (fewer transactions than events).
func TestGroupCommit(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			batches0 := histCount(t)
			const n = 200
			base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					ev := &Event{Kind: KindSubmission, Recorded: base.Add(time.Duration(i) * time.Millisecond), Patient: fmt.Sprintf("Patient/g%d", i), PlanDefinitionID: "f"}
					_, err := s.Append(ctx, ev.Resource(), ev.Kind, ev.Patient)
					errs <- err
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got, err := s.Total(ctx, Query{From: base, To: base.Add(time.Second)}); err != nil || got != n {
				t.Fatalf("stored %d events (%v), want %d", got, err, n)
			}
			if tx := histCount(t) - batches0; tx >= n {
				t.Errorf("%v transactions for %d concurrent events: no group commit", tx, n)
			}
		})
	}
}

// histCount is the number of transactions the writers have committed.
func histCount(t *testing.T) float64 {
	t.Helper()
	var m dto.Metric
	if err := obs.AuditBatchSize.Write(&m); err != nil {
		t.Fatal(err)
	}
	return float64(m.GetHistogram().GetSampleCount())
}

// TestDuplicateFailsAlone: an event whose id is already stored fails its
// own append only, also when it shares a transaction with others.
func TestDuplicateFailsAlone(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ev := &Event{Kind: KindSubmission, Recorded: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Patient: "Patient/dup", PlanDefinitionID: "f"}
			res := ev.Resource()
			if _, err := s.Append(ctx, res, ev.Kind, ev.Patient); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var dupErr error
			others := make([]error, 20)
			wg.Add(1)
			go func() { defer wg.Done(); _, dupErr = s.Append(ctx, res, ev.Kind, ev.Patient) }()
			for i := range others {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					o := &Event{Kind: KindResponse, Recorded: ev.Recorded, Patient: "Patient/dup", PlanDefinitionID: "f"}
					_, others[i] = s.Append(ctx, o.Resource(), o.Kind, o.Patient)
				}(i)
			}
			wg.Wait()
			if dupErr == nil {
				t.Error("a duplicate id was stored")
			}
			for i, err := range others {
				if err != nil {
					t.Errorf("append %d failed beside the duplicate: %v", i, err)
				}
			}
			if n, _ := s.Total(ctx, Query{Patient: "Patient/dup"}); n != 21 {
				t.Errorf("stored %d events for Patient/dup, want 21", n)
			}
		})
	}
}

// TestAppendAfterClose fails cleanly instead of blocking.
func TestAppendAfterClose(t *testing.T) {
	s, err := OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ev := &Event{Kind: KindSubmission, Recorded: time.Now(), PlanDefinitionID: "f"}
	if _, err := s.Append(context.Background(), ev.Resource(), ev.Kind, ""); !errors.Is(err, errClosed) {
		t.Errorf("append after close: %v, want %v", err, errClosed)
	}
}
