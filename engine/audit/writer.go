package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/ccg-project/ccg/internal/obs"
)

// The group-commit writer. Every Append must be durable before it
// returns, and on SQLite (synchronous=FULL) and PostgreSQL each commit
// costs a disk flush. Rather than one transaction per event, one
// goroutine per store takes every event that is waiting when it becomes
// free and writes them in one transaction: under load, many requests'
// events share one flush, and the batch grows with the load (the
// ccg_audit_batch_size histogram shows it). Alone, an event is written at
// once, as before. Each caller is answered only after the transaction
// holding its event committed.

// maxBatch bounds the events of one transaction.
const maxBatch = 256

// row is one event to insert.
type row struct {
	id, kind, patient, outcome string
	recordedNS                 int64
	body                       []byte
	done                       chan error
}

type writer struct {
	s     *sqlStore
	queue chan *row
	// mu guards closed: senders hold it shared, close exclusively, so
	// that nothing enters the queue once the loop may have drained it.
	mu     sync.RWMutex
	closed bool
	// closing is closed by close; stopped when the loop has drained.
	closing chan struct{}
	stopped chan struct{}
}

// errClosed is returned by appends after Close.
var errClosed = errors.New("audit: store closed")

func newWriter(s *sqlStore) *writer {
	w := &writer{s: s, queue: make(chan *row, 4*maxBatch), closing: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w
}

// write queues r and waits until it is durable (or failed). A caller
// whose ctx ends first gets ctx's error; its event may still be written.
func (w *writer) write(ctx context.Context, r *row) error {
	r.done = make(chan error, 1)
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.queue <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) loop() {
	defer close(w.stopped)
	batch := make([]*row, 0, maxBatch)
	for {
		select {
		case r := <-w.queue:
			batch = append(batch[:0], r)
		case <-w.closing:
			w.drain()
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-w.queue:
				batch = append(batch, r)
			default:
				break more
			}
		}
		w.commit(batch)
	}
}

// drain fails the events still queued at close.
func (w *writer) drain() {
	for {
		select {
		case r := <-w.queue:
			r.done <- errClosed
		default:
			return
		}
	}
}

// commit writes batch in one transaction. When that fails, each event is
// tried on its own so that one bad event (a duplicate id) fails only its
// own request.
func (w *writer) commit(batch []*row) {
	obs.AuditBatchSize.Observe(float64(len(batch)))
	err := w.insert(batch)
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- w.insert([]*row{r})
	}
}

func (w *writer) insert(batch []*row) error {
	// The transaction is not bound to any caller's context: a caller that
	// gives up must not roll back the others' events.
	ctx := context.Background()
	tx, err := w.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	q := w.s.rebind(`INSERT INTO ccg_audit_event (id, recorded_ns, kind, patient, outcome, resource) VALUES (?, ?, ?, ?, ?, ?)`)
	var stmt *sql.Stmt
	if len(batch) > 1 {
		if stmt, err = tx.PrepareContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("audit: append: %w", err)
		}
		defer stmt.Close()
	}
	for _, r := range batch {
		args := []any{r.id, r.recordedNS, r.kind, r.patient, r.outcome, r.body}
		if stmt != nil {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("audit: append: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// close stops the loop after failing what is still queued.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.closing)
	}
	w.mu.Unlock()
	<-w.stopped
}
