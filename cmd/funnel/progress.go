package main

import (
	"fmt"
	"io"
	"time"

	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/schollz/progressbar/v3"
)

// largeFile is the size from which a file's reading shows progress (when
// progress is shown only for large files).
const largeFile = 8 << 20

// A meter shows the reading of each deals file on stderr: a bar of the
// bytes read with the rate in MB/s, and the rows read and skipped so far,
// then one summary line per file. A meter that is off shows nothing and
// costs a counter per read.
type meter struct {
	w      io.Writer
	on     bool // show progress at all
	always bool // also for small files and streams of unknown size
	now    func() time.Time

	bar   *progressbar.ProgressBar
	name  string
	size  int64
	began time.Time
	shown int64 // bytes handed to the bar
	last  int64 // bytes read
}

// start begins the reading of a file of the given size (-1 when unknown)
// and returns the reader to read it through.
func (m *meter) start(name string, r io.Reader, size int64) *counting {
	m.name, m.size, m.began, m.shown, m.last = name, size, m.now(), 0, 0
	m.bar = nil
	if m.on && (m.always || size < 0 || size >= largeFile) {
		max := size
		if max <= 0 {
			max = -1 // a spinner: the size is unknown
		}
		m.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(m.w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionUseANSICodes(false),
		)
	}
	return &counting{r: r, m: m}
}

// bytes records that n bytes of the file have been read.
func (m *meter) bytes(n int64) {
	m.last = n
	if m.bar != nil && n-m.shown >= 1<<16 {
		_ = m.bar.Add64(n - m.shown)
		m.shown = n
	}
}

// rows records the rows read and skipped so far.
func (m *meter) rows(rows, skipped int) {
	if m.bar != nil {
		m.bar.Describe(fmt.Sprintf("%s: %s rows, %s skipped", m.name, format.Count(int64(rows)), format.Count(int64(skipped))))
	}
}

// stop ends the file: the bar makes way for a summary line.
func (m *meter) stop(rep *csvimport.Report) {
	if m.bar == nil {
		return
	}
	_ = m.bar.Add64(m.last - m.shown)
	_ = m.bar.Finish()
	m.bar = nil
	d := m.now().Sub(m.began)
	rate := 0.0
	if d > 0 {
		rate = float64(m.last) / 1e6 / d.Seconds()
	}
	rows, skipped := 0, 0
	if rep != nil {
		rows, skipped = rep.Rows, rep.Skipped
	}
	fmt.Fprintf(m.w, "%s: %s rows, %s skipped, %.1f MB in %.1fs (%.0f MB/s)\n", m.name,
		format.Count(int64(rows)), format.Count(int64(skipped)), float64(m.last)/1e6, d.Seconds(), rate)
}
