package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// console is stdout and stderr shared by the lines of a batch in flight: every write goes
// through its lock, so a line's text, an error line and the progress line never meet.
//
// When stderr is a terminal, one progress line is drawn there and redrawn in place; it is
// wiped before anything else is written to stderr, or to stdout when stdout is the same
// kind of screen, and drawn again once the line written there has ended.
type console struct {
	mu     sync.Mutex
	out    io.Writer
	errw   io.Writer
	asJSON bool
	// tty: draw the progress line on stderr; outTTY: stdout shares the screen.
	tty, outTTY bool
	shown       bool
	now         func() time.Time
	start       time.Time

	total, done, failed int
}

func newConsole(out, errw io.Writer, asJSON bool, total int) *console {
	return &console{out: out, errw: errw, asJSON: asJSON, tty: isTerminal(errw), outTTY: isTerminal(out),
		now: time.Now, start: time.Now(), total: total}
}

// hide wipes the progress line; the lock is held.
func (c *console) hide() {
	if c.shown {
		_, _ = io.WriteString(c.errw, "\r\x1b[K")
		c.shown = false
	}
}

// stderr is a writer for error lines.
func (c *console) stderr() io.Writer { return consoleErr{c} }

type consoleErr struct{ c *console }

func (w consoleErr) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	w.c.hide()
	return w.c.errw.Write(p)
}

// lineDone counts a line written out and tells of the progress: redrawn on a terminal,
// an event in JSON mode when the batch has more than one line.
func (c *console) lineDone(failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	if failed {
		c.failed++
	}
	c.report()
}

// report draws or sends the progress; the lock is held.
func (c *console) report() {
	rate, eta := c.rate()
	if c.asJSON && c.total > 1 {
		_ = json.NewEncoder(c.out).Encode(progressEvent{Type: "progress", Done: c.done, Total: c.total, Failed: c.failed,
			Rate: round2(rate), ETAMillis: eta.Milliseconds()})
	}
	if c.tty && c.done < c.total {
		c.draw(rate, eta)
	}
}

// rate is the lines done a second so far, and the time the others will take at that rate.
func (c *console) rate() (float64, time.Duration) {
	elapsed := c.now().Sub(c.start)
	if elapsed <= 0 || c.done == 0 {
		return 0, 0
	}
	rate := float64(c.done) / elapsed.Seconds()
	return rate, time.Duration(float64(c.total-c.done) / rate * float64(time.Second))
}

// draw writes the progress line in place of the last; the lock is held.
func (c *console) draw(rate float64, eta time.Duration) {
	left := "…"
	if rate > 0 {
		left = eta.Round(time.Second).String()
	}
	line := fmt.Sprintf("yeok: %d/%d lines · %.1f lines/s · ETA %s", c.done, c.total, rate, left)
	if c.failed > 0 {
		line += fmt.Sprintf(" · %d failed", c.failed)
	}
	_, _ = io.WriteString(c.errw, "\r\x1b[K"+line)
	c.shown = true
}

// begin draws the progress line of a batch of more than one line before any is done.
func (c *console) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tty && c.total > 1 {
		c.draw(0, 0)
	}
}

// redraw draws the progress line again with the rate and ETA of now, when it is shown.
func (c *console) redraw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shown {
		c.draw(c.rate())
	}
}

// close wipes the progress line at the end of the batch.
func (c *console) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hide()
}

// event writes one JSON object on stdout, whole.
func (c *console) event(v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	enc := json.NewEncoder(c.out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// progressEvent is the --json progress of a batch, sent after each line is written out.
type progressEvent struct {
	Type      string  `json:"type"`
	Done      int     `json:"done"`
	Total     int     `json:"total"`
	Failed    int     `json:"failed"`
	Rate      float64 `json:"lines_per_second"`
	ETAMillis int64   `json:"eta_ms"`
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// lineBuffer is where one line of a batch writes: held in memory until the line is the
// first not yet written out, then straight to stdout.
type lineBuffer struct {
	c    *console
	held bytes.Buffer
	live bool
}

func (c *console) lineBuffer() *lineBuffer { return &lineBuffer{c: c} }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if !b.live {
		return b.held.Write(p)
	}
	if b.c.outTTY {
		b.c.hide()
	}
	return b.c.out.Write(p)
}

// goLive writes what the line holds and lets the rest go straight to stdout.
func (b *lineBuffer) goLive() error {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	b.live = true
	if b.held.Len() == 0 {
		return nil
	}
	if b.c.outTTY {
		b.c.hide()
	}
	_, err := b.held.WriteTo(b.c.out)
	return err
}

func (b *lineBuffer) isLive() bool {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.live
}
