package export

import (
	"bufio"
	"strconv"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// tsvColumns is the header row of a TSV export.
var tsvColumns = []string{"id", "session", "script", "created", "from", "to", "status", "flags", "source", "translation"}

// tsvEscaper escapes the characters that would break a row: backslash, tab, newline and
// carriage return become \\, \t, \n and \r.
var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// tsvEncoder writes a header row, then one row per entry with the text a person reads.
type tsvEncoder struct{}

func (tsvEncoder) header(w *bufio.Writer, _ Meta) error {
	_, err := w.WriteString(strings.Join(tsvColumns, "\t") + "\n")
	return err
}

func (tsvEncoder) entry(w *bufio.Writer, e model.Entry, _ *model.Entry) error {
	row := []string{
		strconv.FormatUint(e.ID, 10), strconv.FormatUint(e.SessionID, 10), e.ScriptID,
		e.Created.Format(time.RFC3339), e.From.String(), e.To.String(), string(e.Status),
		joinFlags(e.Flags), e.Source, e.Display(),
	}
	for i, v := range row {
		row[i] = tsvEscaper.Replace(v)
	}
	_, err := w.WriteString(strings.Join(row, "\t") + "\n")
	return err
}

func (tsvEncoder) footer(*bufio.Writer) error { return nil }

// joinFlags lists flags by their codes, for a column a program reads.
func joinFlags(flags []model.Flag) string {
	codes := make([]string, len(flags))
	for i, f := range flags {
		codes[i] = string(f)
	}
	return strings.Join(codes, ",")
}
