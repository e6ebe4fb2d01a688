// Package export writes entries of a session or a script as a file a person or another
// program can use: a bilingual Markdown document, JSON lines, tab-separated values or SRT
// subtitles. Text is written as stored (the approved translation when a person approved or
// corrected one, else the cleaned translation when there is one), without terminal
// sanitising: exports go to files, not to screens.
package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// Format is an export file format.
type Format string

// The export formats.
const (
	Markdown Format = "md"
	JSONL    Format = "jsonl"
	TSV      Format = "tsv"
	SRT      Format = "srt"
)

// Formats lists every format, for help text.
func Formats() []Format { return []Format{Markdown, JSONL, TSV, SRT} }

// ParseFormat reads a format name ("md", "markdown", "jsonl", "tsv", "srt"), ignoring case
// and a leading dot.
func ParseFormat(s string) (Format, error) {
	name := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), ".")
	if name == "markdown" {
		name = string(Markdown)
	}
	if f := Format(name); slices.Contains(Formats(), f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown export format %q (use md, jsonl, tsv or srt)", s)
}

// FormatFor guesses the format from a file name's extension, for `-o notes.srt`.
func FormatFor(path string) (Format, bool) {
	f, err := ParseFormat(filepath.Ext(path))
	return f, err == nil && filepath.Ext(path) != ""
}

// Meta describes what is exported, for the formats that have a header.
type Meta struct {
	Title     string
	ScriptID  string
	SessionID uint64
	From, To  model.Language
	// Targets are the targets of the entries when some line went into several at once, in
	// the order they were first logged: the header names them all, and a TSV export has a
	// column for each. Write and
	// WriteFile fill it in from the entries; WriteSeq takes it as given.
	Targets []model.Language
	// Exported is when the export was made; entry times are shown in its location.
	Exported time.Time
	// ModelText adds the model's own text (model.Entry.ModelText) beside the translation a
	// person reads: a column after each translation in TSV, a line under a corrected
	// translation in Markdown. JSON lines always carry both; an SRT cue holds one text, so
	// SRT ignores it.
	ModelText bool
}

// encoder writes one format: a header, then each entry with the one after it (nil for the
// last), then a footer.
type encoder interface {
	header(w *bufio.Writer, meta Meta) error
	entry(w *bufio.Writer, e model.Entry, next *model.Entry) error
	footer(w *bufio.Writer) error
}

func newEncoder(f Format, meta Meta) (encoder, error) {
	switch f {
	case Markdown:
		return &markdownEncoder{meta: meta}, nil
	case JSONL:
		return jsonlEncoder{}, nil
	case TSV:
		return &tsvEncoder{targets: meta.Targets, modelText: meta.ModelText}, nil
	case SRT:
		return &srtEncoder{}, nil
	}
	return nil, fmt.Errorf("unknown export format %q", f)
}

// Write writes entries, in the order given, to w in format f. The entries of a line sent
// into several targets (one model.Entry.Group) are written together, at the place of the
// first of them: one row with a column per target in TSV, one block per target under the
// source in Markdown. JSON lines keep every entry as it is, with its group.
func Write(w io.Writer, f Format, meta Meta, entries []model.Entry) error {
	meta, entries = arrange(f, meta, entries)
	return WriteSeq(w, f, meta, entrySeq(entries))
}

// arrange gathers the entries of each group and names the targets in meta, for every
// format but JSON lines.
func arrange(f Format, meta Meta, entries []model.Entry) (Meta, []model.Entry) {
	if f == JSONL || !grouped(entries) {
		return meta, entries
	}
	if targets := Targets(entries); len(targets) > 1 {
		meta.Targets = targets
	}
	return meta, Gather(entries)
}

func entrySeq(entries []model.Entry) iter.Seq2[model.Entry, error] {
	return func(yield func(model.Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// WriteSeq is Write for entries that come one at a time, such as pages read from the
// store; it stops at the first error seq yields.
func WriteSeq(w io.Writer, f Format, meta Meta, seq iter.Seq2[model.Entry, error]) error {
	enc, err := newEncoder(f, meta)
	if err != nil {
		return err
	}
	if err := writeSeq(w, enc, meta, seq); err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	return nil
}

func writeSeq(w io.Writer, enc encoder, meta Meta, seq iter.Seq2[model.Entry, error]) error {
	bw := bufio.NewWriter(w)
	if err := enc.header(bw, meta); err != nil {
		return err
	}
	var prev *model.Entry
	for e, err := range seq {
		if err != nil {
			return err
		}
		if prev != nil {
			if err := enc.entry(bw, *prev, &e); err != nil {
				return err
			}
		}
		prev = &e
	}
	if prev != nil {
		if err := enc.entry(bw, *prev, nil); err != nil {
			return err
		}
	}
	if err := enc.footer(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes entries to path in format f. It writes a temporary file in the same
// directory, syncs it and renames it over path, so path never holds a half-written export.
// An existing file keeps its permissions; a new one gets 0644.
func WriteFile(path string, f Format, meta Meta, entries []model.Entry) (err error) {
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if fi.IsDir() {
			return fmt.Errorf("export to %s: is a directory", path)
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := createTemp(path)
	if err != nil {
		return fileError(path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := writeFile(tmp, f, meta, entries); err != nil {
		return fileError(path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fileError(path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fileError(path, err)
	}
	if err := tmp.Close(); err != nil {
		return fileError(path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fileError(path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the system allows it
		_ = d.Close()
	}
	return nil
}

// writeFile is Write without the format in its errors: WriteFile names the file instead.
func writeFile(w io.Writer, f Format, meta Meta, entries []model.Entry) error {
	meta, entries = arrange(f, meta, entries)
	enc, err := newEncoder(f, meta)
	if err != nil {
		return err
	}
	return writeSeq(w, enc, meta, entrySeq(entries))
}

// fileError says that exporting to path failed, without the temporary file's name or
// the system call, which a person did not ask for: "export to notes.md: no space left on
// device". errors.Is still finds the cause.
func fileError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("export to %s: %w", path, err)
}
