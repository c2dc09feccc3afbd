// Package browsertest renders the funnel tool's HTML report in headless
// Chromium, driven by chromedp, at a laptop's and a phone's width: it fails
// on a console error or uncaught exception, on a request for anything but
// the report file itself (the report must need no network), on an element
// that overflows the viewport (wide tables scroll inside their own box), and
// on an empty chart; it saves a full-page screenshot of each.
//
// It is a module of its own, so that chromedp stays out of the funnel
// module's dependencies. It needs Debian's chromium (/usr/bin/chromium, or
// $CHROMIUM) and skips when there is none, unless CHROMIUM_REQUIRED is set,
// as CI sets it. Run it from this directory:
//
//	go test ./...                              # screenshots in a temporary directory
//	SCREENSHOTS=/tmp/shots go test -v ./...    # keep them
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// root is the funnel repository, three directories up.
const root = "../../.."

func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CHROMIUM_REQUIRED") != "" {
		t.Fatal("no Chromium installed, and CHROMIUM_REQUIRED is set (CI installs Debian's chromium)")
	}
	t.Skip("no Chromium installed (apt-get install chromium); the browser test is skipped")
	return ""
}

// reports builds the tool and writes two reports: the bundled Maven export
// with an eNPS survey, and the tool's small test export with touches, so
// that every kind of chart is on a page.
func reports(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "funnel")
	build := exec.Command("go", "build", "-o", bin, "./cmd/funnel")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/funnel: %v\n%s", err, out)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	pages := map[string]string{
		"maven": filepath.Join(dir, "maven.html"),
		"small": filepath.Join(dir, "small.html"),
	}
	runs := map[string][]string{
		"maven": {"report", "-preset-dir", abs("testdata/maven-crm"), "-answers", abs("cmd/funnel/testdata/answers.csv"),
			"-group", "team", "-answer", "enps", "-format", "json", "-o", filepath.Join(dir, "maven.json"), "-html", pages["maven"]},
		"small": {"report", "-mapping", abs("cmd/funnel/testdata/mapping.json"), "-touches", abs("cmd/funnel/testdata/touches.csv"),
			"-answers", abs("cmd/funnel/testdata/answers.csv"), "-format", "json", "-o", filepath.Join(dir, "small.json"),
			"-html", pages["small"], abs("cmd/funnel/testdata/deals.csv")},
	}
	for name, args := range runs {
		cmd := exec.Command(bin, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("funnel %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		_ = name
	}
	return pages
}

type viewport struct {
	name          string
	width, height int64
	scale         float64
	mobile        bool
}

var viewports = []viewport{
	{"laptop", 1366, 768, 1, false},
	{"phone", 390, 844, 3, true},
}

// layout is what the page reports about itself.
type layout struct {
	ViewportWidth float64  `json:"vw"`
	ScrollWidth   float64  `json:"sw"`
	Overflowing   []string `json:"bad"`
	Charts        []struct {
		Name   string  `json:"name"`
		Width  float64 `json:"w"`
		Height float64 `json:"h"`
		Marks  int     `json:"marks"`
		Texts  int     `json:"texts"`
	} `json:"charts"`
	Tables int `json:"tables"`
}

// measure lists the elements outside the viewport (those inside a
// scrolling box, and the parts of an SVG, excepted), and each chart's size
// and its marks: the filled or stroked shapes that are not the white
// background.
const measure = `(() => {
  const vw = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const inScroll = el.parentElement && el.parentElement.closest('.scroll');
    const inSVG = el.tagName.toLowerCase() !== 'svg' && el.closest('svg');
    if (inScroll || inSVG) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.right > vw + 1) {
      bad.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ? '.' + el.className : '') +
        ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  const charts = [];
  for (const f of document.querySelectorAll('figure.chart')) {
    const svg = f.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    let marks = 0;
    if (svg) {
      for (const p of svg.querySelectorAll('path')) {
        const s = p.getAttribute('style') || '';
        if (/fill:#FFFFFF/i.test(s) || /stroke:#888888/i.test(s)) continue;
        marks++;
      }
    }
    charts.push({name: f.dataset.chart, w: r.width, h: r.height, marks,
      texts: svg ? svg.querySelectorAll('text').length : 0});
  }
  return {vw, sw: document.documentElement.scrollWidth, bad, charts,
    tables: document.querySelectorAll('table').length};
})()`

// check loads a page at a viewport and returns what went wrong in the
// browser (console errors, exceptions, requests), the page's layout and a
// full-page screenshot.
func check(t *testing.T, actx context.Context, page string, vp viewport) ([]string, layout, []byte) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()
	url := "file://" + page
	var mu sync.Mutex
	var problems []string
	note := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == "error" || e.Type == "assert" || e.Type == "warning" {
				var args []string
				for _, a := range e.Args {
					var text string
					if json.Unmarshal(a.Value, &text) != nil {
						text = string(a.Value) + a.Description
					}
					args = append(args, text)
				}
				note(fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			note("exception: " + e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				note("log error: " + e.Entry.Text + " " + e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; u != url && !strings.HasPrefix(u, "data:") {
				note("request: " + u)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	emu := []chromedp.EmulateViewportOption{chromedp.EmulateScale(vp.scale)}
	if vp.mobile {
		emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.width, vp.height, emu...), chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	lay, err := chromedp.Run(ctx, chromedp.Evaluate[layout](measure))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), problems...), lay, png
}

func allocator(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return actx
}

// TestChecksCatchProblems is the control: a page with a console error, an
// uncaught exception, a request for an image elsewhere, an element wider
// than the viewport and an empty chart fails every check.
func TestChecksCatchProblems(t *testing.T) {
	actx := allocator(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	html := `<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>
<div style="width:2000px">too wide</div>
<figure class="chart" data-chart="empty"><svg viewBox="0 0 10 10" width="300" height="200"></svg></figure>
<img src="http://127.0.0.1:9/none.png">
<script>console.error("broken"); throw new Error("boom");</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, lay, _ := check(t, actx, page, viewports[1])
	joined := strings.Join(problems, "\n")
	for _, w := range []string{"console.error: broken", "exception:", "request: http://127.0.0.1:9/none.png"} {
		if !strings.Contains(joined, w) {
			t.Errorf("the check missed %q; it saw:\n%s", w, joined)
		}
	}
	if lay.ScrollWidth <= lay.ViewportWidth || len(lay.Overflowing) == 0 {
		t.Errorf("the check missed the overflow: %+v", lay)
	}
	if len(lay.Charts) != 1 || lay.Charts[0].Marks != 0 {
		t.Errorf("the check missed the empty chart: %+v", lay.Charts)
	}
}

func TestReportInChromium(t *testing.T) {
	actx := allocator(t)
	pages := reports(t)
	shots := os.Getenv("SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"maven", "small"} {
		for _, vp := range viewports {
			t.Run(name+"/"+vp.name, func(t *testing.T) {
				problems, lay, png := check(t, actx, pages[name], vp)
				file := filepath.Join(shots, fmt.Sprintf("%s-%s.png", name, vp.name))
				if err := os.WriteFile(file, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s (%d bytes): %d charts, %d tables", file, len(png), len(lay.Charts), lay.Tables)
				for _, p := range problems {
					t.Errorf("%s", p)
				}
				if lay.ScrollWidth > lay.ViewportWidth+1 {
					t.Errorf("the page is %v px wide in a %v px viewport", lay.ScrollWidth, lay.ViewportWidth)
				}
				for _, b := range lay.Overflowing {
					t.Errorf("overflows the viewport: %s", b)
				}
				want := map[string]bool{"funnel": true, "trend": true, "cohorts": true, "survival": true, "expected-revenue": true, "enps": true}
				if name == "small" {
					want["attribution"] = true
				}
				for _, c := range lay.Charts {
					delete(want, c.Name)
					if c.Width < 200 || c.Height < 100 {
						t.Errorf("chart %s is %vx%v px", c.Name, c.Width, c.Height)
					}
					if c.Width > lay.ViewportWidth {
						t.Errorf("chart %s (%v px) is wider than the viewport", c.Name, c.Width)
					}
					if c.Marks < 2 || c.Texts < 4 {
						t.Errorf("chart %s looks empty: %d marks, %d texts", c.Name, c.Marks, c.Texts)
					}
				}
				for c := range want {
					t.Errorf("no %s chart on the page", c)
				}
				if lay.Tables < 6 {
					t.Errorf("%d tables", lay.Tables)
				}
			})
		}
	}
}
