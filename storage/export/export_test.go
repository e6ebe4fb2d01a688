package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// sample is a small script: a done entry, a multi-line one with characters that need
// escaping, a truncated one with flags, one with an SRT cue and one that failed empty.
func sample() []model.Entry {
	ko := model.MustLanguage("ko-KR")
	en := model.MustLanguage("en")
	return []model.Entry{
		{ID: 1, SessionID: 3, ScriptID: "lecture-01", Created: t0, Finished: t0.Add(time.Second), From: en, To: ko,
			Model: "gpt-4o-mini", Source: "Good morning.", Text: "\"좋은 아침입니다.\"", Clean: "좋은 아침입니다.",
			Status: model.StatusDone, Finish: "stop", Usage: model.Usage{PromptTokens: 20, CompletionTokens: 8, TotalTokens: 28},
			FirstToken: 150 * time.Millisecond, Duration: 1500 * time.Millisecond},
		{ID: 2, SessionID: 3, ScriptID: "lecture-01", Created: t0.Add(4 * time.Second), From: en, To: ko, Model: "gpt-4o-mini",
			Source: "Tabs\there,\nnew lines,\n\nand a back\\slash.", Text: "탭\t여기,\n\n줄바꿈,\n그리고 역\\슬래시.", Status: model.StatusDone},
		{ID: 3, SessionID: 3, ScriptID: "lecture-01", Created: t0.Add(7 * time.Second), From: en, To: ko, Model: "gpt-4o-mini",
			Source: "Entropy always increases.", Text: "엔트로피는 항상", Status: model.StatusTruncated, Finish: "length",
			Flags: []model.Flag{model.GlossaryMiss("entropy")}, Duration: 2 * time.Second},
		{ID: 4, SessionID: 3, ScriptID: "lecture-01", Created: t0.Add(9 * time.Second), From: en, To: ko,
			Source: "From the subtitles.", Text: "자막에서.", Status: model.StatusDone,
			Cue: &model.Cue{Start: 61*time.Minute + 2*time.Second + 5*time.Millisecond, End: 61*time.Minute + 4*time.Second}},
		{ID: 5, SessionID: 3, ScriptID: "lecture-01", Created: t0.Add(20 * time.Second), From: en, To: ko,
			Source: "Lost line.", Status: model.StatusFailed, Error: "server error (502)", ErrorClass: model.ClassServer},
	}
}

var meta = Meta{Title: "Thermodynamics, lecture 1", ScriptID: "lecture-01", SessionID: 3,
	From: model.MustLanguage("en"), To: model.MustLanguage("ko-KR"), Exported: t0.Add(time.Hour)}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"md", Markdown}, {"Markdown", Markdown}, {".srt", SRT}, {" JSONL ", JSONL}, {"tsv", TSV},
	}
	for _, tt := range tests {
		if got, err := ParseFormat(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "csv", "json", "pdf"} {
		if _, err := ParseFormat(bad); err == nil {
			t.Errorf("ParseFormat(%q) accepted", bad)
		}
	}
	if f, ok := FormatFor("/tmp/notes.SRT"); !ok || f != SRT {
		t.Errorf("FormatFor(notes.SRT) = %q, %v", f, ok)
	}
	if _, ok := FormatFor("notes"); ok {
		t.Error("FormatFor(notes) guessed a format")
	}
}

func export(t *testing.T, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, meta, sample()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestJSONL(t *testing.T) {
	out := export(t, JSONL)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	entries := sample()
	if len(lines) != len(entries) {
		t.Fatalf("%d lines for %d entries", len(lines), len(entries))
	}
	for i, line := range lines {
		var r Record
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if want := NewRecord(entries[i]); !reflect.DeepEqual(r, want) {
			t.Fatalf("line %d decodes to\n%+v\nwant\n%+v", i+1, r, want)
		}
	}
	// The field names are a contract with scripts that read `yeok history --json`.
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"id", "session", "script", "created", "finished", "from", "to", "status", "source",
		"translation", "clean", "model", "ttft_ms", "duration_ms", "usage"} {
		if _, ok := first[key]; !ok {
			t.Errorf("field %q missing from %s", key, lines[0])
		}
	}
	if first["ttft_ms"] != 150.0 || first["translation"] != "\"좋은 아침입니다.\"" || first["clean"] != "좋은 아침입니다." {
		t.Errorf("record 1 = %v", first)
	}
	if !strings.Contains(lines[3], `"cue":{"start_ms":3662005,"end_ms":3664000}`) {
		t.Errorf("cue record %s", lines[3])
	}
}

func TestTSV(t *testing.T) {
	out := export(t, TSV)
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if rows[0] != strings.Join(tsvColumns, "\t") {
		t.Fatalf("header %q", rows[0])
	}
	entries := sample()
	if len(rows) != len(entries)+1 {
		t.Fatalf("%d rows for %d entries", len(rows), len(entries))
	}
	for i, e := range entries {
		cols := strings.Split(rows[i+1], "\t")
		if len(cols) != len(tsvColumns) {
			t.Fatalf("row %d has %d columns: %q", i+1, len(cols), rows[i+1])
		}
		var want []string
		for _, f := range e.Flags {
			want = append(want, string(f))
		}
		if got := unescapeTSV(cols[7]); got != strings.Join(want, ",") {
			t.Errorf("row %d flags %q, want %q", i+1, got, e.Flags)
		}
		if got := unescapeTSV(cols[8]); got != e.Source {
			t.Errorf("row %d source %q, want %q", i+1, got, e.Source)
		}
		if got := unescapeTSV(cols[9]); got != e.Display() {
			t.Errorf("row %d translation %q, want %q", i+1, got, e.Display())
		}
		if cols[0] != strconv.FormatUint(e.ID, 10) || cols[6] != string(e.Status) || cols[5] != "ko-KR" {
			t.Errorf("row %d = %q", i+1, cols)
		}
	}
}

// unescapeTSV reverses the \\ \t \n \r escapes.
func unescapeTSV(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

type cue struct {
	n          int
	start, end time.Duration
	text       string
}

var srtTiming = regexp.MustCompile(`^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$`)

// parseSRT reads cues strictly: a number, a timing line, one or more text lines, a blank line.
func parseSRT(t *testing.T, s string) []cue {
	t.Helper()
	var cues []cue
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var c cue
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("cue number %q: %v", sc.Text(), err)
		}
		c.n = n
		if !sc.Scan() {
			t.Fatal("missing timing line")
		}
		m := srtTiming.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("timing line %q", sc.Text())
		}
		c.start, c.end = srtDuration(m[1:5]), srtDuration(m[5:9])
		var text []string
		for sc.Scan() && sc.Text() != "" {
			text = append(text, sc.Text())
		}
		if len(text) == 0 {
			t.Fatalf("cue %d has no text", c.n)
		}
		c.text = strings.Join(text, "\n")
		cues = append(cues, c)
	}
	return cues
}

func srtDuration(parts []string) time.Duration {
	var v [4]int
	for i, p := range parts {
		v[i], _ = strconv.Atoi(p)
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second +
		time.Duration(v[3])*time.Millisecond
}

func TestSRT(t *testing.T) {
	cues := parseSRT(t, export(t, SRT))
	want := []cue{
		{1, 0, 1500 * time.Millisecond, "좋은 아침입니다."},
		{2, 4 * time.Second, 7 * time.Second, "탭\t여기,\n줄바꿈,\n그리고 역\\슬래시."}, // ends when the next starts
		{3, 7 * time.Second, 9 * time.Second, "엔트로피는 항상"},                  // its duration
		{4, 61*time.Minute + 2*time.Second + 5*time.Millisecond, 61*time.Minute + 4*time.Second, "자막에서."},
		// entry 5 failed with no text: no cue
	}
	if !reflect.DeepEqual(cues, want) {
		t.Fatalf("cues\n%+v\nwant\n%+v", cues, want)
	}
	last := sample()[:1]
	last[0].Duration = 0
	var buf bytes.Buffer
	if err := Write(&buf, SRT, meta, last); err != nil {
		t.Fatal(err)
	}
	if c := parseSRT(t, buf.String()); len(c) != 1 || c[0].end-c[0].start != minCue {
		t.Fatalf("a lone entry without a duration gives %+v, want a cue of %v", c, minCue)
	}
}

func TestMarkdown(t *testing.T) {
	out := export(t, Markdown)
	if !strings.HasPrefix(out, "# Thermodynamics, lecture 1\n") {
		t.Fatalf("title missing:\n%s", out)
	}
	for _, want := range []string{
		"- Script: `lecture-01`", "- Session: 3", "- Languages: English → Korean (South Korea) (en → ko-KR)",
		"> Good morning.", "좋은 아침입니다.", "> Tabs\there,\n> new lines,\n>\n> and a back\\slash.",
		"*Status: truncated*", `*Flags: glossary term "entropy" not used*`, "*Status: failed — server error (502)*",
		"*(no translation)*", "### 4 · 2025-03-01 09:00:09",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(out, "\"좋은 아침입니다.\"") {
		t.Error("markdown shows the raw text where a clean one exists")
	}
	for _, e := range sample() {
		if !strings.Contains(out, e.Display()) {
			t.Errorf("markdown lacks entry %d's translation", e.ID)
		}
	}
	if n := strings.Count(out, "\n### "); n != len(sample()) {
		t.Errorf("%d entry headings, want %d", n, len(sample()))
	}
}

func TestWriteSeqStopsOnError(t *testing.T) {
	boom := errors.New("page read failed")
	var buf bytes.Buffer
	err := WriteSeq(&buf, JSONL, meta, func(yield func(model.Entry, error) bool) {
		if yield(sample()[0], nil) {
			yield(model.Entry{}, boom)
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out."+string(f))
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := WriteFile(path, f, meta, sample()); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := export(t, f); string(got) != want {
				t.Fatalf("file holds %q, want %q", got, want)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %o, want the old file's 0600", fi.Mode().Perm())
			}
			names, _ := os.ReadDir(dir)
			if len(names) != 1 {
				t.Fatalf("files left in the directory: %v", names)
			}
		})
	}
	t.Run("failure leaves nothing", func(t *testing.T) {
		dir := t.TempDir()
		err := WriteFile(filepath.Join(dir, "x.pdf"), Format("pdf"), meta, sample())
		if err == nil {
			t.Fatal("unknown format accepted")
		}
		if names, _ := os.ReadDir(dir); len(names) != 0 {
			t.Fatalf("files left: %v", names)
		}
	})
	t.Run("new file mode", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.md")
		if err := WriteFile(path, Markdown, meta, nil); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Fatalf("new file: %v, %v", fi, err)
		}
	})
}

func Example() {
	e := model.Entry{ID: 1, Created: t0, To: model.MustLanguage("ko"), Source: "Hello", Text: "안녕하세요",
		Status: model.StatusDone}
	_ = Write(os.Stdout, TSV, Meta{}, []model.Entry{e})
	fmt.Println("---")
	_ = Write(os.Stdout, SRT, Meta{}, []model.Entry{e})
	// Output:
	// id	session	script	created	from	to	status	flags	source	translation
	// 1	0		2025-03-01T09:00:00Z	auto	ko	done		Hello	안녕하세요
	// ---
	// 1
	// 00:00:00,000 --> 00:00:01,000
	// 안녕하세요
}

// Entries typed or piped faster than minCue apart get cues one after the other, never
// overlapping; a long answer ends when the next line starts.
func TestSRTCuesNeverOverlap(t *testing.T) {
	ko := model.MustLanguage("ko")
	at := func(id uint64, after, took time.Duration) model.Entry {
		return model.Entry{ID: id, Created: t0.Add(after), To: ko, Text: fmt.Sprintf("줄 %d", id), Status: model.StatusDone, Duration: took}
	}
	entries := []model.Entry{
		at(1, 0, 300*time.Millisecond),
		at(2, 714*time.Millisecond, 0),
		at(3, 900*time.Millisecond, 200*time.Millisecond),
		at(4, 10*time.Second, 8*time.Second),
		at(5, 12*time.Second, 0),
	}
	var buf bytes.Buffer
	if err := Write(&buf, SRT, meta, entries); err != nil {
		t.Fatal(err)
	}
	cues := parseSRT(t, buf.String())
	want := []cue{
		{1, 0, time.Second, "줄 1"},
		{2, time.Second, 2 * time.Second, "줄 2"},
		{3, 2 * time.Second, 3 * time.Second, "줄 3"},
		{4, 10 * time.Second, 12 * time.Second, "줄 4"}, // its 8 s answer gives way to entry 5
		{5, 12 * time.Second, 13 * time.Second, "줄 5"},
	}
	if !reflect.DeepEqual(cues, want) {
		t.Fatalf("cues\n%+v\nwant\n%+v", cues, want)
	}
	for i := 1; i < len(cues); i++ {
		if cues[i].start < cues[i-1].end {
			t.Errorf("cue %d starts at %v, before cue %d ends at %v", cues[i].n, cues[i].start, cues[i-1].n, cues[i-1].end)
		}
	}
}
