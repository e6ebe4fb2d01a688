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
// shares the status.
type tsvEncoder struct {
	targets []model.Language
	buf     lineBuffer
}

func (t *tsvEncoder) header(w *bufio.Writer, _ Meta) error {
	cols := tsvColumns
	if len(t.targets) > 0 {
		cols = slices.Clone(tsvLineColumns)
		for _, to := range t.targets {
			cols = append(cols, to.String())
		}
	}
	_, err := w.WriteString(strings.Join(cols, "\t") + "\n")
	return err
}

func (t *tsvEncoder) entry(w *bufio.Writer, e model.Entry, next *model.Entry) error {
	if len(t.targets) == 0 {
		return writeRow(w, []string{
			strconv.FormatUint(e.ID, 10), strconv.FormatUint(e.SessionID, 10), e.ScriptID,
			e.Created.Format(time.RFC3339), e.From.String(), e.To.String(), string(e.Status),
			joinFlags(e.Flags), e.Source, e.Display(),
		})
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
	texts := make([]string, len(t.targets))
	for _, en := range line {
		if i := slices.Index(t.targets, en.To); i >= 0 {
			texts[i] = en.Display() // a target logged twice in one line: the later one
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

// lineFlags lists the flags of a line's entries, each with its target when the line has
// several ("ja-JP:echo").
func lineFlags(line []model.Entry) string {
	if len(line) == 1 {
		return joinFlags(line[0].Flags)
	}
	var parts []string
	for _, e := range line {
		for _, f := range e.Flags {
			parts = append(parts, e.To.String()+":"+string(f))
		}
	}
	return strings.Join(parts, ",")
}

// joinFlags lists flags by their codes, for a column a program reads.
func joinFlags(flags []model.Flag) string {
	codes := make([]string, len(flags))
	for i, f := range flags {
		codes[i] = string(f)
	}
	return strings.Join(codes, ",")
}
