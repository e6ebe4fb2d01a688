package export

import (
	"bufio"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// tsvColumns is the header row of a TSV export.
var tsvColumns = []string{"id", "session", "script", "created", "from", "to", "status", "flags", "source", "translation"}

// modelTextColumn names the column of the model's own text that follows a translation
// with Meta.ModelText: "model_text", or "ko-KR:model_text" after a target's column.
const modelTextColumn = "model_text"

// tsvLineColumns start the header row of a TSV export whose lines went into several
// targets; a column named by each target follows.
var tsvLineColumns = []string{"id", "session", "script", "created", "from", "status", "flags", "source"}

// tsvEscaper escapes the characters that would break a row: backslash, tab, newline and
// carriage return become \\, \t, \n and \r.
var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// tsvEncoder writes a header row, then one row per entry with the text a person reads.
// With targets (some line went into several), it writes one row per line instead, with
// the text of each target in that target's column: id is the line's first entry, and
// status and flags name the target they belong to ("ja-JP:failed") unless every target
// shares the status. The flags column adds "approved" to a translation a person approved
// or corrected and "memory" to one reused from the translation memory. With modelText,
// each translation column is followed by one with the model's own text.
type tsvEncoder struct {
	targets   []model.Language
	modelText bool
	buf       lineBuffer
}

func (t *tsvEncoder) header(w *bufio.Writer, _ Meta) error {
	cols := slices.Clone(tsvColumns)
	if t.modelText {
		cols = append(cols, modelTextColumn)
	}
	if len(t.targets) > 0 {
		cols = slices.Clone(tsvLineColumns)
		for _, to := range t.targets {
			cols = append(cols, to.String())
			if t.modelText {
				cols = append(cols, to.String()+":"+modelTextColumn)
			}
		}
	}
	_, err := w.WriteString(strings.Join(cols, "\t") + "\n")
	return err
}

func (t *tsvEncoder) entry(w *bufio.Writer, e model.Entry, next *model.Entry) error {
	if len(t.targets) == 0 {
		row := []string{
			strconv.FormatUint(e.ID, 10), strconv.FormatUint(e.SessionID, 10), e.ScriptID,
			e.Created.Format(time.RFC3339), e.From.String(), e.To.String(), string(e.Status),
			strings.Join(Marks(e), ","), e.Source, e.Display(),
		}
		if t.modelText {
			row = append(row, e.ModelText())
		}
		return writeRow(w, row)
	}
	line := t.buf.add(e, next)
	if line == nil {
		return nil
	}
	first := line[0]
	row := []string{
		strconv.FormatUint(first.ID, 10), strconv.FormatUint(first.SessionID, 10), first.ScriptID,
		first.Created.Format(time.RFC3339), first.From.String(), lineStatus(line), lineFlags(line), first.Source,
	}
	width := 1
	if t.modelText {
		width = 2
	}
	texts := make([]string, width*len(t.targets))
	for _, en := range line {
		if i := slices.Index(t.targets, en.To); i >= 0 {
			texts[width*i] = en.Display() // a target logged twice in one line: the later one
			if t.modelText {
				texts[width*i+1] = en.ModelText()
			}
		}
	}
	return writeRow(w, append(row, texts...))
}

func writeRow(w *bufio.Writer, row []string) error {
	for i, v := range row {
		row[i] = tsvEscaper.Replace(v)
	}
	_, err := w.WriteString(strings.Join(row, "\t") + "\n")
	return err
}

func (*tsvEncoder) footer(*bufio.Writer) error { return nil }

// lineStatus is the status of a line's entries: one word when they share it, else each
// target's ("ko-KR:done,ja-JP:failed").
func lineStatus(line []model.Entry) string {
	same := true
	for _, e := range line {
		same = same && e.Status == line[0].Status
	}
	if same {
		return string(line[0].Status)
	}
	parts := make([]string, len(line))
	for i, e := range line {
		parts[i] = e.To.String() + ":" + string(e.Status)
	}
	return strings.Join(parts, ",")
}

// lineFlags lists the flags of a line's entries (see Marks), each with its target when the
// line has several ("ja-JP:echo").
func lineFlags(line []model.Entry) string {
	if len(line) == 1 {
		return strings.Join(Marks(line[0]), ",")
	}
	var parts []string
	for _, e := range line {
		for _, m := range Marks(e) {
			parts = append(parts, e.To.String()+":"+m)
		}
	}
	return strings.Join(parts, ",")
}

// The marks an entry's flags column adds after its hygiene flags.
const (
	// MarkApproved is a translation a person approved or corrected.
	MarkApproved = "approved"
	// MarkMemory is a translation reused from the translation memory without a request.
	MarkMemory = "memory"
)

// Marks lists an entry's flags by their codes, for a column a program reads, then
// MarkApproved and MarkMemory when they apply.
func Marks(e model.Entry) []string {
	codes := make([]string, 0, len(e.Flags)+2)
	for _, f := range e.Flags {
		codes = append(codes, string(f))
	}
	if e.Approved != "" {
		codes = append(codes, MarkApproved)
	}
	if e.Memory != 0 {
		codes = append(codes, MarkMemory)
	}
	return codes
}
