package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/internal/testenv"
)

// TestAuditCrash kills `ccg serve` with SIGKILL in the middle of a stream
// of concurrent $apply calls (each for its own patient), then opens the
// audit store and checks that every call answered 200 has both its
// AuditEvents (submission and response): an answer is only sent once
// its records are durable, whatever the group-commit writer batched.
func TestAuditCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) { auditCrash(t, "") })
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Log("PostgreSQL crash test skipped: set CCG_TEST_POSTGRES (see scripts/test-postgres.sh)")
		return
	}
	t.Run("postgres", func(t *testing.T) { auditCrash(t, testenv.PostgresSchema(t, dsn)) })
}

func auditCrash(t *testing.T, db string) {
	data := t.TempDir()
	bundle, err := os.ReadFile(filepath.Join("..", "..", "examples", "hypertension", "data-in", "03-untreated.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := func(i int) []byte {
		pat := fmt.Sprintf("crash-%d", i)
		b := strings.ReplaceAll(string(bundle), "htn-03-untreated", pat)
		return []byte(`{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/` + pat + `"},` +
			`{"name":"encounter","valueString":"Encounter/enc-` + pat + `"},{"name":"data","resource":` + b + `}]}`)
	}
	args := []string{"--auth", "off", "--evaluate-rate", "0", "--data", data, "--packages", filepath.Join("..", "..", "examples", "hypertension", "package")}
	if db != "" {
		args = append(args, "--db", db)
	}
	srv := startServer(t, args...)

	const clients = 8
	var next atomic.Int64
	var mu sync.Mutex
	var acked []int
	var wg sync.WaitGroup
	statuses := statusCount{}
	client := &http.Client{Timeout: 10 * time.Second}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				resp, err := client.Post(srv.base+"/PlanDefinition/htn-folder/$apply", "application/fhir+json", bytes.NewReader(body(i)))
				if err != nil {
					return // the server died under us: outcome unknown
				}
				resp.Body.Close()
				statuses.Add(resp.StatusCode)
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, i)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once a good number of answers came back.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d $apply answers in 60 s", n)
		}
	}
	srv.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	srv.cmd.Wait()
	wg.Wait()

	ctx := context.Background()
	st, err := audit.Open(ctx, db, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lost := 0
	for _, i := range acked {
		n, err := st.Total(ctx, audit.Query{Patient: fmt.Sprintf("Patient/crash-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			lost++
			if lost <= 5 {
				t.Errorf("$apply %d was answered 200 but has %d AuditEvents after the crash, want 2", i, n)
			}
		}
	}
	t.Logf("%d $apply answered 200 before SIGKILL (%d started; statuses %v); %d lost their AuditEvents", len(acked), next.Load(), statuses.m, lost)
}

type statusCount struct {
	mu sync.Mutex
	m  map[int]int
}

func (s *statusCount) Add(code int) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[int]int{}
	}
	s.m[code]++
	s.mu.Unlock()
}
