package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExamples runs the "$ go run ./cmd/ccg ..." examples of the
// README's console blocks and compares their output (standard output, then
// standard error) with the text that follows them, so the manual stays
// true. Blocks with an elided "..." line are not compared.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	n := 0
	for _, block := range consoleBlocks(string(readme)) {
		for _, ex := range splitExamples(block) {
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
			if got := out + errOut; got != ex.want {
				t.Errorf("README example %q\n--- README says:\n%s--- ccg prints:\n%s", ex.cmd, ex.want, got)
			}
		}
	}
	if n == 0 {
		t.Error("no ccg examples found in README.md")
	}
	t.Logf("%d README examples checked", n)
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

type example struct{ cmd, want string }

// splitExamples splits a console block into commands ("$ " lines, with
// "\" continuations) and their expected output; examples with an elided
// "..." line are dropped.
func splitExamples(block string) []example {
	var out []example
	var cur *example
	elided := false
	lines := strings.SplitAfter(block, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "$ ") {
			if cur != nil && !elided {
				out = append(out, *cur)
			}
			cmd := strings.TrimSuffix(strings.TrimPrefix(line, "$ "), "\n")
			for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, "\\") + " " + strings.TrimSpace(lines[i])
			}
			cur, elided = &example{cmd: cmd}, false
			continue
		}
		if cur == nil {
			continue
		}
		if strings.TrimSpace(line) == "..." {
			elided = true
		}
		cur.want += line
	}
	if cur != nil && !elided {
		out = append(out, *cur)
	}
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
