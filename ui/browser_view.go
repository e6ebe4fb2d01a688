package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// historyColumns are the widths of a list row's columns; 0 hides one.
type historyColumns struct{ kind, title, langs, entries, when int }

// columnsFor fits the columns in w cells: the title takes what is left, and the other
// columns go, least useful first, when it would get too little.
func columnsFor(w int) historyColumns {
	c := historyColumns{kind: 8, langs: 14, entries: 7, when: 12}
	room := func() int {
		used := 3 + 1 // the cursor column and a right margin
		for _, n := range []int{c.kind, c.langs, c.entries, c.when} {
			if n > 0 {
				used += n + 2
			}
		}
		return w - used
	}
	for _, drop := range []*int{&c.kind, &c.langs, &c.when, &c.entries} {
		if room() >= 16 {
			break
		}
		*drop = 0
	}
	c.title = max(room(), 1)
	return c
}

// fit cuts s to w cells (with "…") and pads it to exactly w.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// fitRight is fit aligned to the right.
func fitRight(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return strings.Repeat(" ", max(w-ansi.StringWidth(s), 0)) + s
}

// whenText is a time for a list: "Jun 2 13:03", with the year instead of the clock for
// another year.
func whenText(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc != nil {
		t = t.In(loc)
	}
	if t.Year() != now.Year() {
		return t.Format("Jan 2 2006")
	}
	return t.Format("Jan 2 15:04")
}

func (h historyModel) view() string {
	if h.height <= 0 {
		return ""
	}
	if h.mode == browseSearch {
		return h.search.view(h.now, h.loc)
	}
	st := h.lk.st
	head := []string{
		" " + st.PanelTitle.Render("History") + " " + st.PanelSubtitle.Render("sessions and scripts, newest first"),
		"",
		" " + h.filter.view(1),
		h.columnNames(),
	}
	rows := h.listRows()
	switch {
	case h.loading:
		head = append(head, " "+st.PanelDim.Render("loading…"))
	case len(h.base) == 0 && h.err == "":
		head = append(head, " "+st.PanelDim.Render("nothing yet: translations are kept here"))
	case len(h.items) == 0 && h.err == "":
		hint := "no session or script matches · " + h.lk.keys.Search.Help().Key + " searches every entry"
		head = append(head, " "+st.PanelDim.Render(ansi.Truncate(hint, max(h.width-2, 1), "…")))
	}
	for i := h.top; i < len(h.items) && i < h.top+rows; i++ {
		head = append(head, h.row(h.items[i], i == h.cursor))
	}
	return panelRows(head, h.footer(), h.height, h.width, h.mode == browseConfirm || h.err != "")
}

// panelRows lays head out over height rows with footer on the last one. On a pane of one
// row the footer wins when urgent (a question or an error), else the title does.
func panelRows(head []string, footer string, height, width int, urgent bool) string {
	if height == 1 {
		if urgent {
			return ansi.Truncate(footer, width, "")
		}
		return ansi.Truncate(head[0], width, "")
	}
	rows := make([]string, 0, height)
	rows = append(rows, head[:min(len(head), height-1)]...)
	for len(rows) < height-1 {
		rows = append(rows, "")
	}
	rows = append(rows, footer)
	for i, r := range rows {
		rows[i] = ansi.Truncate(r, width, "")
	}
	return strings.Join(rows, "\n")
}

// columnNames is the dim line naming the columns.
func (h historyModel) columnNames() string {
	c := columnsFor(h.width)
	var b strings.Builder
	b.WriteString("   ")
	if c.kind > 0 {
		b.WriteString(fit("kind", c.kind) + "  ")
	}
	b.WriteString(fit("title", c.title))
	if c.langs > 0 {
		b.WriteString("  " + fit("languages", c.langs))
	}
	if c.entries > 0 {
		b.WriteString("  " + fitRight("entries", c.entries))
	}
	if c.when > 0 {
		b.WriteString("  " + fit("last active", c.when))
	}
	return h.lk.st.PanelDim.Render(strings.TrimRight(b.String(), " "))
}

// row is one session or script: kind, title, languages, entry count and last activity.
func (h historyModel) row(it historyItem, selected bool) string {
	st := h.lk.st
	c := columnsFor(h.width)
	kind := "session"
	switch {
	case it.script != nil:
		kind = "script"
	case it.session.ID == h.current:
		kind = "current"
	}
	item, dim, badge := st.PanelItem, st.PanelDim, st.PanelBadge
	lead := "   "
	if selected {
		item, dim, badge = st.PanelSelected, st.PanelSelected, st.PanelSelected
		lead = " " + st.PanelSelected.Render("▸ ")
	}
	var b strings.Builder
	b.WriteString(lead)
	if c.kind > 0 {
		b.WriteString(badge.Render(fit(kind, c.kind)) + "  ")
	}
	if terms := strings.Fields(h.filter.Value()); len(terms) > 0 {
		title := highlight(it.title, terms, c.title, item, st.Match)
		b.WriteString(title + strings.Repeat(" ", max(c.title-ansi.StringWidth(title), 0)))
	} else {
		b.WriteString(item.Render(fit(it.title, c.title)))
	}
	// The dim columns are drawn in one piece: a style costs per call.
	var rest strings.Builder
	if c.langs > 0 {
		rest.WriteString("  " + fit(it.langs, c.langs))
	}
	if c.entries > 0 {
		rest.WriteString("  " + fitRight(strconv.Itoa(it.entries), c.entries))
	}
	if c.when > 0 {
		rest.WriteString("  " + ansi.Truncate(whenText(it.when, h.now, h.loc), c.when, "…"))
	}
	if rest.Len() > 0 {
		b.WriteString(dim.Render(rest.String()))
	}
	return b.String()
}

// footer is the last row: the delete question, an error, or how many items show.
func (h historyModel) footer() string {
	st, k := h.lk.st, h.lk.keys
	switch {
	case h.mode == browseConfirm:
		it := h.confirm
		hint := " " + k.Confirm.Help().Key + " yes · any other key no"
		q := fmt.Sprintf("delete %s (%d %s)?", it.label(), it.entries, plural(it.entries, "entry", "entries"))
		q = ansi.Truncate(q, max(h.width-1-ansi.StringWidth(hint), 1), "…")
		return " " + st.PanelError.Render(q) + st.PanelDim.Render(hint)
	case h.err != "":
		return " " + st.PanelError.Render(model.SanitizeLine(h.err))
	case h.loading:
		return ""
	}
	total := fmt.Sprint(len(h.base))
	if h.more {
		total += "+"
	}
	text := fmt.Sprintf("%d of %s", len(h.items), total)
	if h.fetch {
		text += " · loading the rest…"
	}
	return " " + st.PanelDim.Render(text)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// langPair prints "en → ko-KR" ("auto → ko-KR" for a detected source). Stored values
// are sanitised like any text drawn.
func langPair(from, to model.Language) string {
	return model.SanitizeLine(from.String()) + " → " + model.SanitizeLine(to.String())
}
