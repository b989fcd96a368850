package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// No container engine runs where the tests run, so the Dockerfile is
// checked statically, with rules after hadolint's (DLxxxx) and this
// project's own: a static multi-stage build, a non-root final stage, a
// data volume that is the data directory, JSON-form ENTRYPOINT/CMD. The
// CCG_* variables of the Dockerfile, the compose file and the systemd
// unit must be flags of `ccg serve`.

// dockerInstruction is one instruction, continuation lines joined.
type dockerInstruction struct {
	line      int
	cmd, args string
}

func parseDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func TestDockerfileLint(t *testing.T) {
	ins := parseDockerfile(t, filepath.Join("..", "..", "Dockerfile"))
	var froms []dockerInstruction
	stages := map[string]bool{}
	final := 0 // index of the final FROM
	for i, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
			final = i
			f := strings.Fields(in.args)
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got %d FROM", len(froms))
	}
	image := regexp.MustCompile(`^[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$`)
	for _, f := range froms {
		img := strings.Fields(f.args)[0]
		if stages[img] {
			continue
		}
		// DL3006, DL3007: pinned, never latest
		if !image.MatchString(img) || strings.HasSuffix(img, ":latest") {
			t.Errorf("line %d: FROM %s: pin the image to a tag other than latest (DL3006/DL3007)", f.line, img)
		}
	}
	var user, volume, dataEnv string
	var staticBuild, copiesBinary bool
	for i, in := range ins {
		switch in.cmd {
		case "ADD":
			t.Errorf("line %d: use COPY for files (DL3020)", in.line)
		case "WORKDIR":
			if !strings.HasPrefix(in.args, "/") {
				t.Errorf("line %d: WORKDIR %s is not absolute (DL3000)", in.line, in.args)
			}
		case "RUN":
			if strings.Contains(in.args, "go build") && strings.Contains(in.args, "CGO_ENABLED=0") {
				staticBuild = true
			}
			if strings.Contains(in.args, "apt-get install") && !strings.Contains(in.args, "--no-install-recommends") {
				t.Errorf("line %d: apt-get install without --no-install-recommends (DL3015)", in.line)
			}
			if strings.Contains(in.args, "sudo ") {
				t.Errorf("line %d: do not use sudo (DL3004)", in.line)
			}
			if strings.Contains(in.args, "cd ") {
				t.Errorf("line %d: use WORKDIR, not cd (DL3003)", in.line)
			}
		case "USER":
			if i > final {
				user = in.args
			}
		case "VOLUME":
			volume = in.args
		case "ENV":
			if m := regexp.MustCompile(`CCG_DATA=(\S+)`).FindStringSubmatch(in.args); m != nil {
				dataEnv = m[1]
			}
		case "COPY":
			if i > final && strings.Contains(in.args, "--from=") && strings.Contains(in.args, "/ccg ") {
				copiesBinary = true
			}
		case "ENTRYPOINT", "CMD":
			if !strings.HasPrefix(in.args, "[") {
				t.Errorf("line %d: %s in shell form; use the JSON form (DL3025)", in.line, in.cmd)
			}
		case "MAINTAINER":
			t.Errorf("line %d: MAINTAINER is deprecated (DL4000)", in.line)
		}
	}
	if !staticBuild {
		t.Error("the binary is not built with CGO_ENABLED=0")
	}
	if !copiesBinary {
		t.Error("the final stage does not copy the binary from the build stage")
	}
	if user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") {
		t.Errorf("the final stage runs as %q; want a non-root USER (DL3002)", user)
	}
	if dataEnv == "" || !strings.Contains(volume, dataEnv) {
		t.Errorf("VOLUME %s is not the data directory CCG_DATA=%s", volume, dataEnv)
	}
}

// serveFlags are the flag names of `ccg serve`, from its help.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	run(context.Background(), &env{Stdout: io.Discard, Stderr: &out, Getenv: func(string) string { return "" }}, []string{"serve", "-h"})
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z-]*)`).FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = true
	}
	if !flags["addr"] || !flags["data"] {
		t.Fatalf("no serve flags in its help:\n%s", out.String())
	}
	return flags
}

func TestDeployFilesUseServeFlags(t *testing.T) {
	flags := serveFlags(t)
	// CCG_VERSION is the compose file's build argument, not a flag.
	notFlags := map[string]bool{"CCG_VERSION": true}
	for _, f := range []string{"Dockerfile", "deploy/ccg.service", "deploy/compose.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range regexp.MustCompile(`CCG_[A-Z_]+`).FindAllString(string(b), -1) {
			name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(v, envPrefix), "_", "-"))
			if !flags[name] && !notFlags[v] {
				t.Errorf("%s: %s is not the variable of a ccg serve flag", f, v)
			}
		}
	}
	unit, _ := os.ReadFile(filepath.Join("..", "..", "deploy", "ccg.service"))
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=ccg", "ProtectSystem=strict", "NoNewPrivileges=yes"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("deploy/ccg.service lacks %s", want)
		}
	}
}
