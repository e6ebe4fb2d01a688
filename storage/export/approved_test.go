package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// approvedSample is a corrected entry, one approved as it is, and one reused from memory.
func approvedSample() []model.Entry {
	ko := model.MustLanguage("ko-KR")
	en := model.MustLanguage("en")
	return []model.Entry{
		{ID: 1, SessionID: 3, ScriptID: "talk", Created: t0, From: en, To: ko, Source: "Good morning.",
			Text: "\"좋은 아침.\"", Clean: "좋은 아침.", Approved: "좋은 아침입니다.", ApprovedAt: t0.Add(time.Hour), Status: model.StatusDone},
		{ID: 2, SessionID: 3, ScriptID: "talk", Created: t0.Add(2 * time.Second), From: en, To: ko, Source: "Thank you.",
			Text: "감사합니다.", Approved: "감사합니다.", ApprovedAt: t0.Add(time.Hour), Status: model.StatusDone},
		{ID: 3, SessionID: 3, ScriptID: "talk", Created: t0.Add(4 * time.Second), From: en, To: ko, Source: "good  morning.",
			Text: "좋은 아침입니다.", Memory: 1, Status: model.StatusDone},
	}
}

func writeApproved(t *testing.T, f Format, modelText bool) string {
	t.Helper()
	m := meta
	m.ModelText = modelText
	var buf bytes.Buffer
	if err := Write(&buf, f, m, approvedSample()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// Every format writes the approved translation, not the model's, and the flags column says
// which entries were approved and which came from memory.
func TestExportsUseApprovedText(t *testing.T) {
	for _, f := range Formats() {
		out := writeApproved(t, f, false)
		if !strings.Contains(out, "좋은 아침입니다.") {
			t.Errorf("%s: no approved text:\n%s", f, out)
		}
		if f != JSONL && strings.Contains(out, "좋은 아침.\n") {
			t.Errorf("%s: the model's text where a corrected one exists:\n%s", f, out)
		}
	}
	rows := strings.Split(strings.TrimSuffix(writeApproved(t, TSV, false), "\n"), "\n")
	wantFlags := []string{"approved", "approved", "memory"}
	for i, row := range rows[1:] {
		cols := strings.Split(row, "\t")
		if len(cols) != len(tsvColumns) || cols[7] != wantFlags[i] {
			t.Errorf("tsv row %d = %q, want flags %q", i+1, cols, wantFlags[i])
		}
	}
	md := writeApproved(t, Markdown, false)
	for _, want := range []string{"*Flags: approved*", "*Flags: memory (as entry 1)*"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "*Model:*") {
		t.Errorf("markdown shows the model's text without ModelText:\n%s", md)
	}
	var r Record
	line, _, _ := strings.Cut(writeApproved(t, JSONL, false), "\n")
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	if r.Approved != "좋은 아침입니다." || !r.ApprovedAt.Equal(t0.Add(time.Hour)) || r.Clean != "좋은 아침." || r.Translation != "\"좋은 아침.\"" {
		t.Errorf("jsonl record = %+v", r)
	}
	if !strings.Contains(writeApproved(t, JSONL, false), `"memory":1`) {
		t.Error("jsonl does not name the memory entry")
	}
}

// ModelText adds the model's own text: a column in TSV, a line under a correction in
// Markdown (not under a translation approved as it is); SRT and JSON lines do not change.
func TestExportsWithModelText(t *testing.T) {
	rows := strings.Split(strings.TrimSuffix(writeApproved(t, TSV, true), "\n"), "\n")
	if !strings.HasSuffix(rows[0], "\ttranslation\tmodel_text") {
		t.Fatalf("tsv header %q", rows[0])
	}
	for i, want := range [][2]string{{"좋은 아침입니다.", "좋은 아침."}, {"감사합니다.", "감사합니다."}, {"좋은 아침입니다.", "좋은 아침입니다."}} {
		cols := strings.Split(rows[i+1], "\t")
		if got := [2]string{cols[len(cols)-2], cols[len(cols)-1]}; got != want {
			t.Errorf("tsv row %d ends %q, want %q", i+1, got, want)
		}
	}
	md := writeApproved(t, Markdown, true)
	if !strings.Contains(md, "좋은 아침입니다.\n\n*Model:* 좋은 아침.\n\n") || strings.Count(md, "*Model:*") != 1 {
		t.Errorf("markdown model lines:\n%s", md)
	}
	for _, f := range []Format{SRT, JSONL} {
		if a, b := writeApproved(t, f, false), writeApproved(t, f, true); a != b {
			t.Errorf("%s changes with ModelText:\n%s\n---\n%s", f, a, b)
		}
	}
}

// A line into several targets has a model_text column after each target's.
func TestTSVGroupsWithModelText(t *testing.T) {
	entries := groupSample()
	entries[1].Approved = "corrected" // the Korean of the line into three targets
	m := groupMeta
	m.ModelText = true
	var buf bytes.Buffer
	if err := Write(&buf, TSV, m, entries); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !strings.HasSuffix(rows[0], "\tko-KR\tko-KR:model_text\tja-JP\tja-JP:model_text\tzh-Hant\tzh-Hant:model_text") {
		t.Fatalf("header %q", rows[0])
	}
	cols := strings.Split(rows[2], "\t")
	if len(cols) != len(tsvLineColumns)+6 || cols[len(tsvLineColumns)] != "corrected" || cols[len(tsvLineColumns)+1] != entries[1].ModelText() {
		t.Errorf("row %q", cols)
	}
	if !strings.Contains(cols[6], "ko-KR:approved") {
		t.Errorf("flags %q lack ko-KR:approved", cols[6])
	}
}
