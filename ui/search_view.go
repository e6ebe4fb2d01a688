package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/model"
)

// matchStyle marks the text a search matched: reversed and bold, and, on a terminal
// without styles (the Ascii profile), in brackets, so that it still shows.
func matchStyle(r *lipgloss.Renderer) lipgloss.Style {
	s := r.NewStyle().Reverse(true).Bold(true)
	if r.ColorProfile() == termenv.Ascii {
		s = s.Transform(func(t string) string { return "[" + t + "]" })
	}
	return s
}

// searchMeta is how wide the time and languages before a result's text are; narrower
// panes leave them out.
const (
	searchWhen  = 12
	searchLangs = 14
	searchMeta  = 3 + searchWhen + 2 + searchLangs + 2
)

func (s searchModel) view(now time.Time, loc *time.Location) string {
	st := s.lk.st
	head := []string{
		" " + st.PanelTitle.Render("Search") + " " + st.PanelSubtitle.Render("every entry"),
		"",
		" " + s.query.view(1),
		"",
	}
	if len(s.hits) == 0 && s.ran != "" && !s.waiting && s.err == "" {
		head = append(head, " "+st.PanelDim.Render(ansi.Truncate(fmt.Sprintf("no entry contains %q", s.ran), max(s.width-2, 1), "…")))
	}
	for i := s.top; i < len(s.hits) && i < s.top+s.rows(); i++ {
		a, b := s.hitRows(s.hits[i], i == s.cursor, now, loc)
		head = append(head, a, b)
	}
	return panelRows(head, s.footer(), s.height, s.width, s.err != "")
}

// hitRows draws a result on two rows: time, languages and the source, then where the
// entry belongs and its translation, each with the matched text marked.
func (s searchModel) hitRows(hit searchHit, selected bool, now time.Time, loc *time.Location) (string, string) {
	st := s.lk.st
	text, dim := st.PanelItem, st.PanelDim
	lead := "   "
	if selected {
		text, dim = st.PanelSelected, st.PanelSelected
		lead = " " + st.PanelSelected.Render("▸ ")
	}
	e := hit.entry
	where := fmt.Sprintf("session %d", e.SessionID)
	if e.ScriptID != "" {
		where = "script " + model.SanitizeLine(e.ScriptID)
	}
	terms := []string{s.ran}
	room := s.width - searchMeta - 1
	if room < 16 {
		// Too narrow for the columns: the texts alone.
		room = max(s.width-4, 1)
		return lead + highlight(hit.source, terms, room, text, st.Match),
			"   " + highlight(hit.translation, terms, room, dim, st.Match)
	}
	first := lead + dim.Render(fit(whenText(e.Created, now, loc), searchWhen)) + "  " +
		dim.Render(fit(langPair(e.From, e.To), searchLangs)) + "  " + highlight(hit.source, terms, room, text, st.Match)
	second := "   " + dim.Render(fit(where, searchWhen+2+searchLangs)) + "  " + highlight(hit.translation, terms, room, text, st.Match)
	return first, second
}

// footer says what the search is doing or how many entries it found.
func (s searchModel) footer() string {
	st := s.lk.st
	var text string
	switch {
	case s.err != "":
		return " " + st.PanelError.Render(model.SanitizeLine(s.err))
	case s.waiting:
		text = "searching…"
	case s.ran == "":
		text = "type to search; results show as you pause"
	case len(s.hits) >= searchLimit:
		text = fmt.Sprintf("the newest %d matches", len(s.hits))
	default:
		text = fmt.Sprintf("%d %s", len(s.hits), plural(len(s.hits), "match", "matches"))
	}
	return " " + st.PanelDim.Render(text)
}

// highlight draws text in at most w cells: every case-insensitive occurrence of each of
// terms in hit, the rest in base. When the first occurrence would fall past the edge the start is cut
// ("…") so that it shows with as much text before it as fits beside a little after it.
func highlight(text string, terms []string, w int, base, hit lipgloss.Style) string {
	runes := []rune(text)
	var spans [][2]int
	for _, term := range terms {
		spans = append(spans, findFold(runes, []rune(term))...)
	}
	spans = disjoint(spans)
	extra := lipgloss.Width(hit.Render("x")) - 1 // cells the hit style adds (brackets)
	start, lead := 0, ""
	if len(spans) > 0 && cells(runes[:spans[0][1]])+extra > w-1 {
		after := min(cells(runes[spans[0][1]:]), w/4)
		before := w - 2 - cells(runes[spans[0][0]:spans[0][1]]) - extra - after
		start = spans[0][0]
		for start > 0 && cells(runes[start-1:spans[0][0]]) <= before {
			start--
		}
		for start < spans[0][0] && unicode.IsSpace(runes[start]) {
			start++
		}
		lead = "…"
	}
	var b strings.Builder
	budget := w - ansi.StringWidth(lead)
	b.WriteString(base.Render(lead))
	pos := start
	for _, sp := range append(spans, [2]int{len(runes), len(runes)}) {
		if sp[0] < pos {
			continue
		}
		plain, cut := take(runes[pos:sp[0]], budget)
		budget -= cells(plain)
		b.WriteString(base.Render(string(plain)))
		if cut || sp[0] == len(runes) {
			if cut {
				b.WriteString(base.Render("…"))
			}
			break
		}
		matched, cut := take(runes[sp[0]:sp[1]], budget-extra)
		if len(matched) == 0 {
			b.WriteString(base.Render("…"))
			break
		}
		budget -= cells(matched) + extra
		b.WriteString(hit.Render(string(matched)))
		if cut {
			b.WriteString(base.Render("…"))
			break
		}
		pos = sp[1]
	}
	return b.String()
}

// disjoint sorts spans and drops those that overlap an earlier one.
func disjoint(spans [][2]int) [][2]int {
	slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	out := spans[:0]
	for _, sp := range spans {
		if len(out) == 0 || sp[0] >= out[len(out)-1][1] {
			out = append(out, sp)
		}
	}
	return out
}

// take returns the runes of rs that fit in budget cells, keeping one cell for "…" when
// not all fit; cut reports that.
func take(rs []rune, budget int) (out []rune, cut bool) {
	if cells(rs) <= budget {
		return rs, false
	}
	used := 0
	for i, r := range rs {
		if used+runeCells(r) > budget-1 {
			return rs[:i], true
		}
		used += runeCells(r)
	}
	return rs, false
}

// findFold returns the non-overlapping spans of text (rune indexes) equal to q when both
// are lower-cased rune by rune, as the store compares.
func findFold(text, q []rune) [][2]int {
	if len(q) == 0 {
		return nil
	}
	lq := make([]rune, len(q))
	for i, r := range q {
		lq[i] = unicode.ToLower(r)
	}
	var spans [][2]int
	for i := 0; i+len(lq) <= len(text); {
		j := 0
		for j < len(lq) && unicode.ToLower(text[i+j]) == lq[j] {
			j++
		}
		if j == len(lq) {
			spans = append(spans, [2]int{i, i + j})
			i += j
			continue
		}
		i++
	}
	return spans
}
