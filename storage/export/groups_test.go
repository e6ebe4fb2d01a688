package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// groupSample is a script whose second line went into three targets at once, with a line
// into Korean alone logged between two of its targets, and its Japanese target failed.
func groupSample() []model.Entry {
	en, ko, ja, zh := model.MustLanguage("en"), model.MustLanguage("ko-KR"), model.MustLanguage("ja-JP"), model.MustLanguage("zh-Hant")
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	return []model.Entry{
		{ID: 1, SessionID: 3, ScriptID: "talk", Created: at(0), From: en, To: ko, Source: "Hello.", Text: "안녕하세요.", Status: model.StatusDone, Duration: time.Second},
		{ID: 2, SessionID: 3, ScriptID: "talk", Created: at(4), From: en, To: ko, Source: "Good morning.", Text: "좋은 아침.", Status: model.StatusDone, Group: 77, Duration: time.Second},
		{ID: 3, SessionID: 3, ScriptID: "talk", Created: at(4), From: en, To: ja, Source: "Good morning.", Text: "おは", Status: model.StatusFailed, Error: "server error (502)", Group: 77},
		{ID: 4, SessionID: 3, ScriptID: "talk", Created: at(5), From: en, To: ko, Source: "Aside.", Text: "여담.", Status: model.StatusDone},
		{ID: 5, SessionID: 3, ScriptID: "talk", Created: at(4), From: en, To: zh, Source: "Good morning.", Text: "早安。", Status: model.StatusDone, Group: 77,
			Flags: []model.Flag{model.FlagEcho}},
	}
}

var groupMeta = Meta{ScriptID: "talk", From: model.MustLanguage("en"), To: model.MustLanguage("ko-KR"), Exported: t0.Add(time.Hour)}

func writeGroups(t *testing.T, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, groupMeta, groupSample()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestTSVGroups: a line into several targets is one row with a column per target, the
// header naming them; a line into one target fills its target's column.
func TestTSVGroups(t *testing.T) {
	rows := strings.Split(strings.TrimSuffix(writeGroups(t, TSV), "\n"), "\n")
	want := []string{
		"id\tsession\tscript\tcreated\tfrom\tstatus\tflags\tsource\tko-KR\tja-JP\tzh-Hant",
		"1\t3\ttalk\t2025-03-01T09:00:00Z\ten\tdone\t\tHello.\t안녕하세요.\t\t",
		"2\t3\ttalk\t2025-03-01T09:00:04Z\ten\tko-KR:done,ja-JP:failed,zh-Hant:done\tzh-Hant:echo\tGood morning.\t좋은 아침.\tおは\t早安。",
		"4\t3\ttalk\t2025-03-01T09:00:05Z\ten\tdone\t\tAside.\t여담.\t\t",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tsv:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestMarkdownGroups: a line into several targets is one block, its source once, then a
// heading and the translation of each target, its status when not done.
func TestMarkdownGroups(t *testing.T) {
	out := writeGroups(t, Markdown)
	for _, want := range []string{
		"- Languages: English → Korean (South Korea), Japanese (Japan), Traditional Chinese (en → ko-KR, ja-JP, zh-Hant)",
		"### 2 · 2025-03-01 09:00:04\n\n> Good morning.\n\n#### Korean (South Korea) (ko-KR)\n\n좋은 아침.\n\n" +
			"#### Japanese (Japan) (ja-JP)\n\nおは\n\n*Status: failed — server error (502)*\n\n" +
			"#### Traditional Chinese (zh-Hant)\n\n早安。\n\n*Flags: ",
		"### 3 · 2025-03-01 09:00:05\n\n> Aside.\n\n여담.\n\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n### "); n != 3 {
		t.Errorf("%d line headings, want 3:\n%s", n, out)
	}
	if n := strings.Count(out, "> Good morning."); n != 1 {
		t.Errorf("the grouped source is quoted %d times, want once", n)
	}
}

// TestJSONLGroups: JSON lines keep every entry where it was, each with its group.
func TestJSONLGroups(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(writeGroups(t, JSONL), "\n"), "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], `"group":77`) || strings.Contains(lines[0], `"group"`) ||
		!strings.Contains(lines[3], `"source":"Aside."`) {
		t.Fatalf("jsonl:\n%s", strings.Join(lines, "\n"))
	}
}

// TestSRTForTarget: one target's entries make a file of their own, named beside the one
// asked for.
func TestSRTForTarget(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, SRT, groupMeta, ForTarget(groupSample(), model.MustLanguage("ja-JP"))); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "1\n00:00:00,000 --> 00:00:01,000\nおは\n\n" {
		t.Fatalf("ja-JP srt %q", buf.String())
	}
	for path, want := range map[string]string{
		"talk.srt": "talk.ko-KR.srt", "out/talk.srt": "out/talk.ko-KR.srt", "talk": "talk.ko-KR", "out/.srt": "out/.srt.ko-KR",
	} {
		if got := TargetPath(path, model.MustLanguage("ko-KR")); got != want {
			t.Errorf("TargetPath(%q) = %q, want %q", path, got, want)
		}
	}
}
