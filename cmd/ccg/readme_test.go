package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/cdshooks"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/internal/uuidtest"
	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/ui"
)

// TestReadmeExamples runs the "$ go run ./cmd/ccg ..." examples of the
// README's console blocks and compares their output (standard output, then
// standard error) with the text that follows them, so the manual stays
// true; "$ curl" examples of /$cql, Library/$evaluate, /OperationDefinition,
// /metadata, /cds-services and /ui/ are replayed against the server (with the
// example packages) the same way. Blocks with an elided "..." line are not compared.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	n := 0
	for _, block := range consoleBlocks(string(readme)) {
		for _, ex := range splitExamples(block, false) {
			if strings.HasPrefix(ex.cmd, "curl ") {
				// Only the server package's own endpoints are replayed.
				if strings.Contains(ex.cmd, "/$cql") || strings.Contains(ex.cmd, "/metadata") ||
					strings.Contains(ex.cmd, "/$evaluate") || strings.Contains(ex.cmd, "/OperationDefinition/") ||
					strings.Contains(ex.cmd, "/cds-services") || strings.Contains(ex.cmd, "/ui/") {
					n++
					checkCurlExample(t, ex)
				}
				continue
			}
			if !strings.HasPrefix(ex.cmd, "go run ./cmd/ccg ") {
				continue
			}
			n++
			args, ok := shellWords(strings.TrimPrefix(ex.cmd, "go run ./cmd/ccg "))
			if !ok {
				t.Errorf("cannot split %q", ex.cmd)
				continue
			}
			_, out, errOut := ccg(t, args...)
			if got := out + errOut; uuidtest.Number(got) != uuidtest.Number(ex.want) {
				t.Errorf("README example %q\n--- README says:\n%s--- ccg prints:\n%s", ex.cmd, ex.want, got)
			}
		}
	}
	if n == 0 {
		t.Error("no ccg examples found in README.md")
	}
	t.Logf("%d README examples checked", n)
}

// checkCurlExample replays a README curl example (-s, -X, -H, --data
// @FILE, --data-binary @FILE, -G, --data-urlencode, -o /dev/null,
// -w '%{http_code}\n') against the server's own endpoints, the CDS Hooks
// service and the web workbench (open, as with --auth off) and compares the answer.
func checkCurlExample(t *testing.T, ex example) {
	t.Helper()
	args, ok := shellWords(strings.TrimPrefix(ex.cmd, "curl "))
	if !ok {
		t.Errorf("cannot split %q", ex.cmd)
		return
	}
	method, target, body := "", "", ""
	header := http.Header{}
	get, discard, status := false, false, false
	query := url.Values{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			i++
			if i < len(args) {
				return args[i]
			}
			return ""
		}
		switch a {
		case "-s":
		case "-G":
			get = true
		case "-X":
			method = next()
		case "-H":
			k, v, _ := strings.Cut(next(), ":")
			header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		case "--data", "--data-binary":
			d := next()
			if f, ok := strings.CutPrefix(d, "@"); ok {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Errorf("%s: %v", ex.cmd, err)
					return
				}
				d = string(b)
			}
			body = d
		case "-o":
			if next() != "/dev/null" {
				t.Errorf("%s: the test knows -o /dev/null only", ex.cmd)
				return
			}
			discard = true
		case "-w":
			if next() != `%{http_code}\n` {
				t.Errorf("%s: the test knows -w '%%{http_code}\\n' only", ex.cmd)
				return
			}
			status = true
		case "--data-urlencode":
			k, v, _ := strings.Cut(next(), "=")
			query.Add(k, v)
		default:
			if strings.HasPrefix(a, "-") {
				t.Errorf("README curl example uses an option the test does not know: %s", a)
				return
			}
			target = a
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Errorf("%s: %v", ex.cmd, err)
		return
	}
	if get || method == "" && body == "" {
		method = http.MethodGet
	} else if method == "" {
		method = http.MethodPost
	}
	path := u.EscapedPath()
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	// A fixed clock keeps the CapabilityStatement's date stable.
	srv := server.New(server.Config{Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }})
	srv.SetLibrarySource(engineLibraries{eng: readmeEngine(t)})
	cdshooks.Mount(srv.Echo(), cdshooks.Config{Engine: readmeEngine(t)})
	ui.New(ui.Config{Engine: readmeEngine(t), Server: srv, Version: version}).Mount(srv.Echo())
	srv.ServeHTTP(rec, req)
	if ex.want == "" {
		if rec.Code != http.StatusOK {
			t.Errorf("README example %q: status %d\n%s", ex.cmd, rec.Code, rec.Body)
		}
		return
	}
	got := rec.Body.String()
	if discard {
		got = ""
	}
	if status {
		got += strconv.Itoa(rec.Code) + "\n"
	}
	if got != ex.want {
		t.Errorf("README example %q\n--- README says:\n%s--- the server answers:\n%s", ex.cmd, ex.want, got)
	}
}

var (
	readmeEngineOnce sync.Once
	readmeEng        *engine.Engine
)

// readmeEngine is a guideline engine with the example packages, as
// `make run` loads them.
func readmeEngine(t *testing.T) *engine.Engine {
	t.Helper()
	readmeEngineOnce.Do(func() {
		readmeEng = engine.New(engine.Options{})
		matches, _ := filepath.Glob("examples/*/package") // make run's --packages
		for _, m := range matches {
			if _, err := readmeEng.LoadPath(m, content.Options{}); err != nil {
				t.Errorf("loading %s: %v", m, err)
			}
		}
	})
	return readmeEng
}

// consoleBlocks returns the bodies of the ```console blocks of md.
func consoleBlocks(md string) []string {
	var blocks []string
	for {
		i := strings.Index(md, "```console\n")
		if i < 0 {
			return blocks
		}
		md = md[i+len("```console\n"):]
		j := strings.Index(md, "```")
		if j < 0 {
			return blocks
		}
		blocks = append(blocks, md[:j])
		md = md[j+3:]
	}
}

// example is one command of a console block and the output shown below
// it; elided is set when that output has a "..." line.
type example struct {
	cmd, want string
	elided    bool
}

// splitExamples splits a console block into commands ("$ " lines, with
// "\" continuations) and their expected output; examples with an elided
// "..." line are dropped unless keepElided.
func splitExamples(block string, keepElided bool) []example {
	var out []example
	var cur *example
	flush := func() {
		if cur != nil && (keepElided || !cur.elided) {
			out = append(out, *cur)
		}
	}
	lines := strings.SplitAfter(block, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "$ ") {
			flush()
			cmd := strings.TrimSuffix(strings.TrimPrefix(line, "$ "), "\n")
			for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, "\\") + " " + strings.TrimSpace(lines[i])
			}
			cur = &example{cmd: cmd}
			continue
		}
		if cur == nil {
			continue
		}
		if strings.TrimSpace(line) == "..." {
			cur.elided = true
		}
		cur.want += line
	}
	flush()
	return out
}

// shellWords splits a command line on spaces, honouring single and double
// quotes (enough for the README's examples).
func shellWords(s string) ([]string, bool) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, false
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, true
}
