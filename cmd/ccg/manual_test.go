package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/server"
)

// codeBlock is one fenced block of a Markdown file.
type codeBlock struct {
	file, lang string
	line       int // of the opening fence
	lines      []string
}

// manualBlocks returns the fenced code blocks of README.md and docs/*.md.
func manualBlocks(t *testing.T) []codeBlock {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	files = append([]string{filepath.Join("..", "..", "README.md")}, files...)
	var out []codeBlock
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *codeBlock
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "```") {
				if cur == nil {
					cur = &codeBlock{file: filepath.Base(f), lang: strings.TrimPrefix(line, "```"), line: i + 1}
				} else {
					out = append(out, *cur)
					cur = nil
				}
				continue
			}
			if cur != nil {
				cur.lines = append(cur.lines, line)
			}
		}
	}
	return out
}

// npmRegistryCommands are the npm commands that talk to a registry.
var npmRegistryCommands = map[string]bool{"publish": true, "install": true, "i": true, "search": true, "owner": true,
	"dist-tag": true, "view": true, "info": true, "audit": true, "whoami": true, "ping": true, "login": true,
	"logout": true, "adduser": true, "deprecate": true, "unpublish": true}

// TestManualShellExamples holds the shell examples of the manual (README.md
// and docs/) to what a user can paste safely: npm commands name their
// registry and never change the user's own npm configuration, tarball paths
// cannot be mistaken for GitHub repositories, the `npm audit signatures`
// example says it needs the internet, and bash-only syntax is not in an
// `sh` block.
func TestManualShellExamples(t *testing.T) {
	for _, b := range manualBlocks(t) {
		for i, line := range b.lines {
			at := func(format string, a ...any) {
				t.Errorf("%s:%d: "+format+"\n\t%s", append([]any{b.file, b.line + 1 + i}, append(a, line)...)...)
			}
			cmd := strings.TrimPrefix(strings.TrimSpace(line), "$ ")
			if strings.Contains(cmd, "npm config set") {
				at("npm config set changes the user's own npm configuration: use --registry or a project .npmrc")
			}
			if strings.Contains(cmd, "<(") && b.lang != "bash" {
				at("process substitution <(...) needs bash: write it for sh or mark the block bash")
			}
			words := strings.Fields(cmd)
			if len(words) < 2 || words[0] != "npm" || !npmRegistryCommands[words[1]] {
				continue
			}
			if !strings.Contains(cmd, "--registry") {
				at("npm %s without --registry would use the user's default registry", words[1])
			}
			if words[1] == "publish" {
				for _, w := range words[2:] {
					if strings.HasSuffix(w, ".tgz") && !strings.HasPrefix(w, "./") && !strings.HasPrefix(w, "/") {
						at("npm reads %s as a GitHub user/repo: write ./%s", w, w)
					}
				}
			}
			if len(words) > 2 && words[1] == "audit" && words[2] == "signatures" && !strings.Contains(cmd, "internet") {
				at("say by the example that npm audit signatures needs the internet")
			}
		}
	}
}

// TestReadmeGoVersion: the README names the Go version go.mod requires.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "You need Go " + string(m[1]) + " or later"; !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not say %q", want)
	}
}

// TestReadmeRegistryEndpointsExist requests every fixed GET path of the
// README's table of registry endpoints from a mounted repository: none may
// answer 404.
func TestReadmeRegistryEndpointsExist(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "### Endpoints (below `/npm/`)")
	if !ok {
		t.Fatal("README.md has no registry endpoint table")
	}
	table, _, _ = strings.Cut(table, "\n\n\n")
	if i := strings.Index(table, "\n|"); i >= 0 {
		table = table[i:]
	}
	table, _, _ = strings.Cut(table, "\n\n")
	srv := server.New(server.Config{Logger: zap.NewNop()})
	closer, err := mountRegistry(srv.Echo(), serveConfig{DataDir: t.TempDir(), Server: srv}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	n := 0
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, " | ")
		for _, m := range regexp.MustCompile("`GET (/[^`]*)`").FindAllStringSubmatch(cells[0], -1) {
			p, _, _ := strings.Cut(m[1], "?")
			if strings.ContainsAny(p, "{") || strings.Contains(p, "NAME") || strings.Contains(p, "@scope") {
				continue
			}
			n++
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/npm"+p, nil))
			if rec.Code == http.StatusNotFound {
				t.Errorf("README lists GET /npm%s, which answers 404: %s", p, rec.Body)
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d fixed GET paths found in the README's registry endpoint table", n)
	}
}
