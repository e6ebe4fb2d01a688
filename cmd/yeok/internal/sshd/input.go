package sshd

import (
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// The bracketed paste markers a terminal wraps a paste in.
const (
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// escapeLookback is how far back from a cut an escape sequence is looked for, so that a
// cut never splits one (mouse reports are the longest common input sequences, ~15 bytes).
const escapeLookback = 32

// inputGuard sits between a session's stdin and its Bubble Tea program, for four reasons:
//
//   - Budget: Bubble Tea v1.3.10 keeps an unterminated escape, paste or run of text in a
//     buffer it re-scans on every read, which turns a flood of input quadratic. A session
//     may send budget bytes at once, refilled at budget bytes a minute; overdrawing it
//     ends the session (onOverflow) and the reader reports io.EOF.
//   - Paste cap: a bracketed paste is passed on up to pasteCap bytes and the rest is
//     dropped up to the end marker, which is always passed on, so the app sees a paste
//     that is too large (and says so) without the parser ever holding more.
//   - Short reads: every Read returns less than the caller asked for, cut at a rune and
//     escape-sequence boundary. Bubble Tea only holds text back for "more data" after a
//     read that filled its buffer, so it never does.
//   - Queries: a goroutine reads the session, so a terminal query (the background
//     colour) can give up waiting without a read left hanging, and what the client typed
//     meanwhile is kept for the app instead of lost.
//
// onInput is called on every read from the client, for the idle timer. Call start once,
// and close when the session ends.
type inputGuard struct {
	src        io.Reader
	pasteCap   int
	onOverflow func()
	onInput    func()
	bucket     *tokenBucket // nil: no budget; used by the reading goroutine only
	chunks     chan inputChunk
	quit       chan struct{}
	closeOnce  sync.Once

	mu      sync.Mutex
	pending []byte // filtered bytes not yet returned
	err     error  // returned once pending is empty
	inPaste bool
	match   int    // bytes of the marker being matched so far
	held    []byte // inside a paste: a possible end marker, not yet passed on or dropped
	pasted  int    // content bytes of the paste in progress, dropped ones included
}

type inputChunk struct {
	b   []byte
	err error
}

func newInputGuard(src io.Reader, budget int64, pasteCap int, now time.Time) *inputGuard {
	g := &inputGuard{src: src, pasteCap: pasteCap, chunks: make(chan inputChunk), quit: make(chan struct{})}
	if budget > 0 {
		g.bucket = newTokenBucket(float64(budget), float64(budget)/time.Minute.Seconds(), now)
	}
	return g
}

// start begins reading the session.
func (g *inputGuard) start() { go g.pump() }

// close stops the reading goroutine (once its read returns) and ends pending Reads.
func (g *inputGuard) close() { g.closeOnce.Do(func() { close(g.quit) }) }

// pump reads the session, charges the budget and hands the bytes over one chunk at a
// time; the client is held back by SSH flow control while the app is busy.
func (g *inputGuard) pump() {
	raw := make([]byte, 4096)
	for {
		n, err := g.src.Read(raw)
		c := inputChunk{err: err}
		if n > 0 {
			if g.onInput != nil {
				g.onInput()
			}
			if g.bucket != nil && !g.bucket.take(float64(n), time.Now()) {
				if g.onOverflow != nil {
					g.onOverflow()
				}
				c = inputChunk{err: io.EOF}
			} else {
				c.b = append([]byte(nil), raw[:n]...)
			}
		}
		if c.b == nil && c.err == nil {
			continue
		}
		select {
		case g.chunks <- c:
		case <-g.quit:
			return
		}
		if c.err != nil {
			return
		}
	}
}

// receiveLocked takes the next chunk (into pending when filter is set), waiting at most
// until stop is closed (nil: no limit). It reports false when stop came first. g.mu is
// held.
func (g *inputGuard) receiveLocked(stop <-chan struct{}, filter bool) ([]byte, bool) {
	select {
	case c := <-g.chunks:
		if c.err != nil {
			g.err = c.err
		}
		if filter {
			g.filter(c.b)
		}
		return c.b, true
	case <-g.quit:
		g.err = io.EOF
		return nil, true
	case <-stop:
		return nil, false
	}
}

// Read implements io.Reader.
func (g *inputGuard) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.pending) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.receiveLocked(nil, true)
	}
	n := copy(p, g.pending[:g.cut(len(p))])
	g.pending = g.pending[n:]
	if len(g.pending) == 0 {
		g.pending = g.pending[:0:0] // let a large buffer go
	}
	return n, nil
}

// cut returns how many pending bytes to hand to a reader with room for size: fewer than
// size, and never splitting a rune or an escape sequence when that can be helped.
func (g *inputGuard) cut(size int) int {
	limit := size - 1
	if limit < 1 {
		limit = 1
	}
	if len(g.pending) <= limit {
		return len(g.pending)
	}
	n := limit
	for n > 0 && !utf8.RuneStart(g.pending[n]) && limit-n < utf8.UTFMax {
		n--
	}
	for i := n - 1; i > 0 && i >= n-escapeLookback; i-- {
		if g.pending[i] == 0x1b {
			n = i
			break
		}
	}
	if n < 1 {
		n = limit
	}
	return n
}

// filter appends b to pending, tracking bracketed pastes and capping their size.
func (g *inputGuard) filter(b []byte) {
	for _, c := range b {
		if !g.inPaste {
			g.pending = append(g.pending, c)
			g.match = advance(pasteStart, g.match, c)
			if g.match == len(pasteStart) {
				g.inPaste, g.match, g.pasted = true, 0, 0
			}
			continue
		}
		next := advance(pasteEnd, g.match, c)
		switch {
		case next == len(pasteEnd):
			g.pending = append(g.pending, pasteEnd...)
			g.inPaste, g.match, g.held = false, 0, g.held[:0]
		case next > g.match:
			g.held = append(g.held, c)
			g.match = next
		default:
			// The held bytes were paste content after all; c may start a new marker.
			g.paste(g.held...)
			g.held = g.held[:0]
			g.match = next
			if next == 1 {
				g.held = append(g.held, c)
			} else {
				g.paste(c)
			}
		}
	}
}

// paste passes paste content on while the paste is under the cap and drops it after.
func (g *inputGuard) paste(b ...byte) {
	for _, c := range b {
		if g.pasted < g.pasteCap {
			g.pending = append(g.pending, c)
		}
		g.pasted++
	}
}

// advance returns how many bytes of marker are matched after c, given matched before.
// The markers start with ESC, which occurs nowhere else in them, so a mismatch restarts
// the match at c.
func advance(marker string, matched int, c byte) int {
	if c == marker[matched] {
		return matched + 1
	}
	if c == marker[0] {
		return 1
	}
	return 0
}

// tokenBucket holds up to size tokens and gains rate tokens a second.
type tokenBucket struct {
	size, rate, tokens float64
	last               time.Time
}

func newTokenBucket(size, rate float64, now time.Time) *tokenBucket {
	return &tokenBucket{size: size, rate: rate, tokens: size, last: now}
}

// take removes n tokens and reports whether there were enough; when there were not, the
// bucket is left empty.
func (b *tokenBucket) take(n float64, now time.Time) bool { return b.takeOver(n, 0, now) }

// takeOver is take with an overdraft: the bucket may go down to -credit tokens. Tokens
// overdrawn are owed: they are repaid by the refill before the bucket counts as full.
func (b *tokenBucket) takeOver(n, credit float64, now time.Time) bool {
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(b.size, b.tokens+d*b.rate)
		b.last = now
	}
	if n > b.tokens+credit {
		b.tokens = min(b.tokens, 0)
		return false
	}
	b.tokens -= n
	return true
}
