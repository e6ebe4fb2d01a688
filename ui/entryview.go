package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// blockKind says what a scrollback block shows.
type blockKind int

const (
	blockEntry  blockKind = iota // a source line and its translation
	blockMarker                  // a labelled rule, e.g. where this run starts
)

// block is one item of the scrollback with its wrapped lines cached per width. Only a
// block whose content changed (the entry in flight) is wrapped again.
type block struct {
	kind  blockKind
	label string      // marker text
	entry model.Entry // as begun, then as finished
	// prefix is the earlier partial a continuation goes on from; it is shown before the
	// new text.
	prefix string
	// live is set while the entry is in flight; its text comes from stream frames.
	live *liveText
	// lc keeps what the entry in flight draws from frame to frame; nil once it is final.
	lc *liveCache
	// queued marks a typed line waiting for the line in flight.
	queued bool
	// tagged labels the translation with its target (a line sent into several); member
	// marks a later target of such a line, stacked under the first without its source.
	tagged, member bool
	// focused marks the target Copy copies, among the newest line's.
	focused bool

	cache      []string
	cacheWidth int
	cacheLast  bool
	cacheOK    bool
}

// liveText is what has arrived so far for the entry in flight.
type liveText struct {
	text    string
	refusal string
	phase   phase
}

// look is what rendering needs from the model: styles and keys (for hints).
type look struct {
	st   *Styles
	keys *KeyMap
}

// invalidate drops the cached lines after the block changed.
func (b *block) invalidate() { b.cacheOK = false }

// lines returns the block rendered at width, from the cache when it is still valid. last
// says whether this is the newest entry, which alone shows the retry hint.
func (b *block) lines(width int, last bool, lk look) []string {
	if b.cacheOK && b.cacheWidth == width && b.cacheLast == last {
		return b.cache
	}
	b.cache = b.render(width, last, lk)
	b.cacheWidth, b.cacheLast, b.cacheOK = width, last, true
	return b.cache
}

func (b *block) render(width int, last bool, lk look) []string {
	st := lk.st
	if b.kind == blockMarker {
		label := "── " + model.SanitizeLine(b.label) + " "
		fill := max(width-2-cellWidth(label), 0)
		return []string{"", " " + st.Marker.Render(truncateCells(label+strings.Repeat("─", fill), width-2, "…"))}
	}
	if b.queued {
		return b.renderQueued(width, lk)
	}
	if b.live != nil {
		return b.renderLive(width, lk)
	}
	inner := max(width-4, 4)
	out := b.head(inner, st)
	text, refusal := b.entry.Display(), b.entry.Refusal
	if b.entry.Clean == "" && b.entry.Text == "" {
		text = "" // Display falls back to the refusal, which is drawn on its own
	}
	out = append(out, b.finalBody(b.prefix+text, width, inner, st)...)
	b.lc = nil
	out = refusalLines(out, refusal, inner, st)
	if b.entry.Error != "" && (b.entry.Status != model.StatusCancelled || b.entry.Error == notSent) {
		for _, l := range wrapText(model.SanitizeLine(b.entry.Error), inner) {
			out = append(out, bodyIndent+st.ErrorText.Render(l))
		}
	}
	for _, l := range b.flagLines(inner, last, lk) {
		out = append(out, bodyIndent+l)
	}
	return append(out, bodyIndent+b.meta(width-len(bodyIndent)-1, last, lk))
}

// finalBody returns the styled lines of a finished entry's text. When the text is what was
// streamed, the lines the entry in flight already wrapped and styled are taken over, so
// finishing a long answer does not wrap it all again.
func (b *block) finalBody(text string, width, inner int, st *Styles) []string {
	if c := b.lc; c != nil && c.width == width && c.st == st && c.wrap != nil && strings.HasPrefix(text, c.raw) {
		done, tail := c.body(text, inner)
		if len(done) == 0 && len(tail) == 1 && tail[0] == "" {
			return nil
		}
		return append(append([]string(nil), done...), styleBody(tail, st)...)
	}
	plain := wrapText(model.Sanitize(text), inner)
	if len(plain) == 1 && plain[0] == "" {
		return nil
	}
	return styleBody(plain, st)
}

// styleBody indents and styles plain translation lines.
func styleBody(lines []string, st *Styles) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = bodyIndent + st.Translation.Render(l)
	}
	return out
}

// head returns the lines above an entry's translation: the blank line and the source, and
// for a line sent into several targets the target's label (the later targets show only
// their label, stacked under the first).
func (b *block) head(inner int, st *Styles) []string {
	var out []string
	if !b.member {
		out = sourceLines(out, b.entry.Source, inner, st)
	}
	if b.tagged {
		mark := "  "
		if b.focused {
			mark = st.SourceMark.Render("▸") + " "
		}
		out = append(out, " "+mark+st.MetaTag.Render(model.SanitizeLine(b.entry.To.String())))
	}
	return out
}

// renderQueued draws a typed line waiting its turn: its source and "queued".
func (b *block) renderQueued(width int, lk look) []string {
	st := lk.st
	out := sourceLines(nil, b.entry.Source, max(width-4, 4), st)
	hint := "queued · " + lk.keys.Cancel.Help().Key + " cancels"
	return append(out, bodyIndent+st.Meta.Render(truncateCells(hint, max(width-len(bodyIndent)-1, 1), "…")))
}

// bodyIndent starts every line under an entry's source.
const bodyIndent = "   "

// sourceLines appends to out a blank line and the entry's source, wrapped at inner.
func sourceLines(out []string, source string, inner int, st *Styles) []string {
	out = append(out, "")
	for i, l := range wrapText(model.Sanitize(source), inner) {
		mark := "  "
		if i == 0 {
			mark = st.SourceMark.Render("›") + " "
		}
		out = append(out, " "+mark+st.Source.Render(l))
	}
	return out
}

// refusalLines appends the refusal, if any, wrapped at inner.
func refusalLines(out []string, refusal string, inner int, st *Styles) []string {
	if r := model.Sanitize(refusal); r != "" {
		for _, l := range wrapText(r, inner) {
			out = append(out, bodyIndent+st.Refusal.Render(l))
		}
	}
	return out
}

// meta is the line under an entry: languages, status, timings and, on the newest entry,
// what Ctrl+R would do. Parts that do not fit in width are left out, least useful first.
func (b *block) meta(width int, last bool, lk look) string {
	st, e := lk.st, b.entry
	langs := "→ " + e.To.String()
	if !e.From.IsAuto() {
		langs = e.From.String() + " → " + e.To.String()
	}
	parts := []metaPart{{st.MetaTag.Render(model.SanitizeLine(langs)), 9}}
	if b.live != nil {
		parts = append(parts, metaPart{st.Meta.Render(b.live.phase.String()), 9})
		return joinMeta(parts, width, st)
	}
	label, style := statusLabel(e.Status, st)
	parts = append(parts, metaPart{style.Render(label), 9})
	if e.Approved != "" {
		parts = append(parts, metaPart{st.MetaOK.Render("✓ approved"), 8})
	}
	if e.Memory != 0 {
		parts = append(parts, metaPart{st.MetaTag.Render("from memory"), 7})
	}
	if e.FirstToken > 0 {
		parts = append(parts, metaPart{st.Meta.Render("ttft " + shortDuration(e.FirstToken)), 4})
	}
	if tps := tokensPerSecond(e); tps > 0 {
		parts = append(parts, metaPart{st.Meta.Render(formatRate(tps)), 3})
	}
	if e.Duration > 0 {
		parts = append(parts, metaPart{st.Meta.Render(shortDuration(e.Duration)), 1})
	}
	if last && (e.Status.Retryable() || e.Status == model.StatusPending) {
		verb := "retry"
		if e.Status == model.StatusTruncated {
			verb = "continue"
		}
		parts = append(parts, metaPart{st.Meta.Render(lk.keys.Retry.Help().Key + " " + verb), 5})
	}
	return joinMeta(parts, width, st)
}

// metaPart is one piece of an entry's meta line; keep ranks how long it survives a
// narrow pane.
type metaPart struct {
	text string
	keep int
}

// joinMeta joins the parts with dots, dropping the lowest-kept ones until the line fits.
func joinMeta(parts []metaPart, width int, st *Styles) string {
	sep := st.Meta.Render(" · ")
	for {
		texts := make([]string, len(parts))
		lowest := 0
		for i, p := range parts {
			texts[i] = p.text
			if p.keep < parts[lowest].keep {
				lowest = i
			}
		}
		line := strings.Join(texts, sep)
		if cellWidth(ansi.Strip(line)) <= width || len(parts) <= 2 {
			return ansi.Truncate(line, width, "…")
		}
		parts = append(parts[:lowest:lowest], parts[lowest+1:]...)
	}
}

// statusLabel names a final status with its mark and colour. A pending entry that is not in
// flight belongs to a process that died: it is interrupted.
func statusLabel(s model.Status, st *Styles) (string, lipgloss.Style) {
	switch s {
	case model.StatusDone:
		return "✓ done", st.MetaOK
	case model.StatusCancelled:
		return "■ cancelled", st.MetaWarn
	case model.StatusTruncated:
		return "… truncated", st.MetaWarn
	case model.StatusRefused:
		return "⊘ refused", st.MetaWarn
	case model.StatusFailed:
		return "✗ failed", st.MetaErr
	default:
		return "↯ interrupted", st.MetaWarn
	}
}

// tokensPerSecond is the generation rate of a finished entry, from the server's token count
// over the time after the first token; 0 when unknown.
func tokensPerSecond(e model.Entry) float64 {
	n := e.Usage.CompletionTokens
	span := e.Duration - e.FirstToken
	if span <= 0 {
		span = e.Duration
	}
	if n <= 0 || span <= 0 {
		return 0
	}
	return float64(n) / span.Seconds()
}

func formatRate(tps float64) string { return string(appendRate(nil, tps)) }

// appendRate appends formatRate(tps) to b.
func appendRate(b []byte, tps float64) []byte {
	prec := 0
	if tps < 10 {
		prec = 1
	}
	return append(strconv.AppendFloat(b, tps, 'f', prec, 64), " tok/s"...)
}

// shortDuration prints 320ms, 1.2s or 1m05s.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}
