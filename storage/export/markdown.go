package export

import (
	"bufio"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/yeok/yeok/model"
)

// markdownEncoder writes a bilingual document: a header naming the script, session and
// languages, then each entry's source as a quote followed by its translation. A line sent
// into several targets is one block: its source once, then a heading and the translation
// for each target.
type markdownEncoder struct {
	meta Meta
	n    int
	buf  lineBuffer
}

func (m *markdownEncoder) header(w *bufio.Writer, meta Meta) error {
	title := meta.Title
	switch {
	case title != "":
	case meta.ScriptID != "":
		title = "Script " + meta.ScriptID
	case meta.SessionID != 0:
		title = fmt.Sprintf("Session %d", meta.SessionID)
	default:
		title = "Translations"
	}
	fmt.Fprintf(w, "# %s\n\n", oneLine(title))
	if meta.ScriptID != "" {
		fmt.Fprintf(w, "- Script: `%s`\n", meta.ScriptID)
	}
	if meta.SessionID != 0 {
		fmt.Fprintf(w, "- Session: %d\n", meta.SessionID)
	}
	switch {
	case len(meta.Targets) > 0:
		names, tags := make([]string, len(meta.Targets)), make([]string, len(meta.Targets))
		for i, to := range meta.Targets {
			names[i], tags[i] = to.EnglishName(), to.String()
		}
		fmt.Fprintf(w, "- Languages: %s → %s (%s → %s)\n", meta.From.EnglishName(), strings.Join(names, ", "), meta.From, strings.Join(tags, ", "))
	case meta.To != "":
		fmt.Fprintf(w, "- Languages: %s → %s (%s → %s)\n", meta.From.EnglishName(), meta.To.EnglishName(), meta.From, meta.To)
	}
	if !meta.Exported.IsZero() {
		fmt.Fprintf(w, "- Exported: %s\n", meta.Exported.Format("2006-01-02 15:04 MST"))
	}
	_, err := w.WriteString("\n")
	return err
}

func (m *markdownEncoder) entry(w *bufio.Writer, e model.Entry, next *model.Entry) error {
	line := m.buf.add(e, next)
	if line == nil {
		return nil
	}
	m.n++
	slices.SortStableFunc(line, func(a, b model.Entry) int {
		return cmp.Compare(slices.Index(m.meta.Targets, a.To), slices.Index(m.meta.Targets, b.To))
	})
	e = line[0]
	created := e.Created
	if !m.meta.Exported.IsZero() {
		created = created.In(m.meta.Exported.Location())
	}
	fmt.Fprintf(w, "---\n\n### %d · %s", m.n, created.Format("2006-01-02 15:04:05"))
	several := len(line) > 1
	if several && e.From != m.meta.From {
		fmt.Fprintf(w, " · %s", e.From)
	} else if !several && (e.From != m.meta.From || e.To != m.meta.To) {
		fmt.Fprintf(w, " · %s → %s", e.From, e.To)
	}
	w.WriteString("\n\n")
	for _, l := range strings.Split(strings.TrimRight(e.Source, "\n"), "\n") {
		w.WriteString(strings.TrimRight("> "+l, " ") + "\n")
	}
	w.WriteString("\n")
	for _, en := range line {
		if several {
			fmt.Fprintf(w, "#### %s (%s)\n\n", en.To.EnglishName(), en.To)
		}
		translation(w, en, m.meta.ModelText)
	}
	return nil
}

// translation writes an entry's translation, with modelText the model's own under a
// corrected one, its status when it is not done, and its flags.
func translation(w *bufio.Writer, e model.Entry, modelText bool) {
	text := strings.TrimSpace(e.Display())
	if text != "" {
		w.WriteString(text + "\n\n")
	} else {
		w.WriteString("*(no translation)*\n\n")
	}
	if own := strings.TrimSpace(e.ModelText()); modelText && own != text {
		fmt.Fprintf(w, "*Model:* %s\n\n", own)
	}
	if e.Status != model.StatusDone {
		note := "Status: " + string(e.Status)
		if e.Error != "" {
			note += " — " + oneLine(e.Error)
		}
		fmt.Fprintf(w, "*%s*\n\n", note)
	}
	notes := model.DescribeFlags(e.Flags, e.To)
	if e.Approved != "" {
		notes = append(notes, MarkApproved)
	}
	if e.Memory != 0 {
		notes = append(notes, fmt.Sprintf("%s (as entry %d)", MarkMemory, e.Memory))
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "*Flags: %s*\n\n", oneLine(strings.Join(notes, "; ")))
	}
}

func (m *markdownEncoder) footer(w *bufio.Writer) error { return nil }

// oneLine joins the lines of s with spaces, for headings and notes.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
