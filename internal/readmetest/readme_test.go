package readmetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// root is the repository root, where README.md is and where the programs
// run, so that their relative testdata paths work.
const root = "../.."

// A snippet is one ```go block of the README, and the ```text block that
// follows it, if any, with nothing but blank lines between.
type snippet struct {
	line    int // of the ```go line, 1-based
	code    string
	want    string
	hasWant bool
}

// snippets returns the README's Go blocks in order.
func snippets(readme []byte) ([]snippet, error) {
	var out []snippet
	sc := bufio.NewScanner(bytes.NewReader(readme))
	n := 0
	var cur *strings.Builder // the block being read
	var lang string
	var start int
	pendingGo := -1 // index in out of a Go block that a text block may follow
	for sc.Scan() {
		n++
		line := sc.Text()
		if cur == nil {
			if fence, ok := strings.CutPrefix(line, "```"); ok {
				cur, lang, start = &strings.Builder{}, strings.TrimSpace(fence), n
				continue
			}
			if strings.TrimSpace(line) != "" {
				pendingGo = -1
			}
			continue
		}
		if strings.TrimSpace(line) != "```" {
			cur.WriteString(line)
			cur.WriteByte('\n')
			continue
		}
		switch {
		case lang == "go":
			out = append(out, snippet{line: start, code: cur.String()})
			pendingGo = len(out) - 1
		case lang == "text" && pendingGo >= 0:
			out[pendingGo].want, out[pendingGo].hasWant = cur.String(), true
			pendingGo = -1
		default:
			pendingGo = -1
		}
		cur = nil
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: a ``` block is not closed", start)
	}
	return out, sc.Err()
}

// TestREADME builds every Go block of README.md as a program of this
// module (in a directory under the repository root that the go command's
// ./... patterns skip, removed afterwards), in one go build, runs each from
// the repository root and compares its standard output with the text block
// after it.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the README's programs")
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := snippets(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("README.md has no Go block")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	// A leading dot keeps the directory out of ./... while it exists.
	dir, err := os.MkdirTemp(abs, ".readmetest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	var legend []string
	for i, s := range ss {
		name := fmt.Sprintf("snippet%d", i+1)
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "main.go"), []byte(s.code), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+filepath.Join(filepath.Base(dir), name))
		legend = append(legend, fmt.Sprintf("%s: the ```go block at README.md:%d", name, s.line))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", args...)
	build.Dir = abs
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go blocks do not build: %v\n%s\n%s", err, out, strings.Join(legend, "\n"))
	}
	for i, s := range ss {
		t.Run(fmt.Sprintf("README.md:%d", s.line), func(t *testing.T) {
			run := exec.CommandContext(ctx, filepath.Join(bin, fmt.Sprintf("snippet%d", i+1)))
			run.Dir = abs
			var stdout, stderr bytes.Buffer
			run.Stdout, run.Stderr = &stdout, &stderr
			if err := run.Run(); err != nil {
				t.Fatalf("the program fails: %v\nstderr:\n%s", err, stderr.String())
			}
			if !s.hasWant {
				return
			}
			if diff := cmp.Diff(s.want, stdout.String()); diff != "" {
				t.Errorf("output differs from the text block after it (-README +program):\n%s", diff)
			}
		})
	}
}

// TestSnippets checks how blocks are paired: a text block belongs to the Go
// block just before it, across blank lines only.
func TestSnippets(t *testing.T) {
	readme := "# x\n\n```go\nA\n```\n\n```text\nout A\n```\n\n```go\nB\n```\nprose\n```text\nnot B's\n```\n```sh\nC\n```\n```go\nD\n```\n"
	got, err := snippets([]byte(readme))
	if err != nil {
		t.Fatal(err)
	}
	want := []snippet{{line: 3, code: "A\n", want: "out A\n", hasWant: true}, {line: 11, code: "B\n"}, {line: 21, code: "D\n"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(snippet{})); diff != "" {
		t.Errorf("snippets (-want +got):\n%s", diff)
	}
	if _, err := snippets([]byte("```go\nA\n")); err == nil {
		t.Error("an unclosed block is no error")
	}
}
