package storage

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// saveJSON returns v in the JSON form (see oldJSON).
func saveJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	raw, err := oldJSON(v)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// codecEntries are entries with every field, and the texts equal and unequal in every way.
func codecEntries() map[string]model.Entry {
	created := time.Date(2026, 12, 7, 11, 0, 0, 123456789, time.UTC)
	full := model.Entry{
		ID: 300, SessionID: 7, ScriptID: "lecture-3", Created: created, Finished: created.Add(1500 * time.Millisecond),
		From: "en", To: korean, Model: "gpt-4o-mini", Source: "The quick brown fox.", Text: "“빠른 갈색 여우.”",
		Clean: "빠른 갈색 여우.", Refusal: "", Status: model.StatusDone, Finish: "stop",
		Usage: model.Usage{PromptTokens: 40, CompletionTokens: 30, TotalTokens: 70}, FirstToken: 200 * time.Millisecond,
		Duration: time.Second, Flags: []model.Flag{model.FlagEcho, model.GlossaryMiss("fox")}, Cue: &model.Cue{Start: time.Second, End: 3 * time.Second},
		Group: 1 << 40, Approved: "빠른 갈색 여우가.", ApprovedAt: created.Add(time.Hour), Memory: 12,
	}
	with := func(change func(e *model.Entry)) model.Entry {
		e := full
		change(&e)
		return e
	}
	seoul := time.FixedZone("KST", 9*3600)
	return map[string]model.Entry{
		"full":    full,
		"pending": {ID: 1, Created: created, To: korean, Source: "Hello.", Status: model.StatusPending},
		"failed": {ID: 2, Created: created, Finished: created, To: korean, Source: "Hello.", Status: model.StatusFailed,
			Error: "the server said no", ErrorClass: model.ClassServer},
		"refused":               {ID: 3, Created: created, To: korean, Source: "x", Status: model.StatusRefused, Refusal: "I can't.", Finish: "content_filter"},
		"unknown status":        with(func(e *model.Entry) { e.Status, e.Finish = "paused", "tool_calls" }),
		"clean is text":         with(func(e *model.Entry) { e.Clean = e.Text }),
		"clean is source":       with(func(e *model.Entry) { e.Clean = e.Source }),
		"text is source":        with(func(e *model.Entry) { e.Text = e.Source; e.Clean = "" }),
		"approved is clean":     with(func(e *model.Entry) { e.Approved = e.Clean }),
		"approved is text":      with(func(e *model.Entry) { e.Approved = e.Text }),
		"approved is source":    with(func(e *model.Entry) { e.Approved = e.Source }),
		"no text, clean":        with(func(e *model.Entry) { e.Text = "" }),
		"empty cue":             with(func(e *model.Entry) { e.Cue = &model.Cue{} }),
		"negative durations":    with(func(e *model.Entry) { e.FirstToken, e.Duration = -time.Second, -1 }),
		"times in a fixed zone": with(func(e *model.Entry) { e.Created, e.Finished = created.In(seoul), created.Add(-time.Minute).In(seoul) }),
		"local times":           with(func(e *model.Entry) { e.Created, e.ApprovedAt = created.Local(), created.Local() }),
		"before 1970":           with(func(e *model.Entry) { e.Created = time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC) }),
		"invalid UTF-8": with(func(e *model.Entry) {
			e.Source, e.Text, e.Clean, e.Approved, e.Model = "a\xffb\xc3", "a\xffb\xc3", "\xe2\x82", "ok", "m\x80"
		}),
		"long text":            with(func(e *model.Entry) { e.Source = strings.Repeat("긴 문장입니다. ", 500) }),
		"escapes":              with(func(e *model.Entry) { e.Source = "<a href=\"x\">\\n\u2028\t\x01</a>" }),
		"zero":                 {Status: model.StatusDone},
		"no created, finished": {ID: 4, Finished: created, ApprovedAt: created.Add(time.Second), Status: model.StatusDone},
	}
}

// TestEntryCodecRoundTrip: an entry reads back from its binary form as it reads back from
// its JSON form, field for field, zones and invalid UTF-8 included.
func TestEntryCodecRoundTrip(t *testing.T) {
	for name, e := range codecEntries() {
		t.Run(name, func(t *testing.T) {
			var want, got model.Entry
			if err := decode(saveJSON(t, e), &want); err != nil {
				t.Fatal(err)
			}
			bin := encodeEntry(nil, e)
			if bin[0] != entryFormat {
				t.Fatalf("first byte %#x", bin[0])
			}
			if err := decode(bin, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("binary reads back\n%#v\nJSON reads back\n%#v", got, want)
			}
			if again := encodeEntry(nil, got); !bytes.Equal(again, bin) {
				t.Fatalf("encoding what was read gives %x, not %x", again, bin)
			}
		})
	}
}

// TestEntryCodecSize: the binary form of a finished entry is under half its JSON, and a
// text equal to an earlier one costs one byte.
func TestEntryCodecSize(t *testing.T) {
	entries := codecEntries()
	full := entries["full"]
	if bin, js := len(encodeEntry(nil, full)), len(saveJSON(t, full)); bin*2 > js {
		t.Errorf("binary %d bytes, JSON %d", bin, js)
	}
	base := full
	base.Approved = ""
	for _, name := range []string{"approved is clean", "approved is text", "approved is source"} {
		if extra := len(encodeEntry(nil, entries[name])) - len(encodeEntry(nil, base)); extra > 1 {
			t.Errorf("%s: the approved text adds %d bytes", name, extra)
		}
	}
	noClean := full
	noClean.Clean = ""
	if extra := len(encodeEntry(nil, entries["clean is text"])) - len(encodeEntry(nil, noClean)); extra > 1 {
		t.Errorf("a cleaned text equal to the translation adds %d bytes", extra)
	}
}

// TestEntryCodecRefusesDamage: every cut of a binary entry, and one with a byte added or
// its version changed, does not decode; nor does a value of another record.
func TestEntryCodecRefusesDamage(t *testing.T) {
	for name, e := range codecEntries() {
		bin := encodeEntry(nil, e)
		for n := range len(bin) {
			var got model.Entry
			if decode(bin[:n], &got) == nil {
				t.Errorf("%s: the first %d of %d bytes decode", name, n, len(bin))
			}
		}
		var got model.Entry
		if decode(append(bin[:len(bin):len(bin)], 0), &got) == nil {
			t.Errorf("%s: a byte added decodes", name)
		}
		if decode(append([]byte{entryFormat + 1}, bin[1:]...), &got) == nil {
			t.Errorf("%s: another version decodes", name)
		}
	}
	var s model.Session
	if err := decode(encodeEntry(nil, codecEntries()["full"]), &s); err == nil {
		t.Error("an entry decodes as a session")
	}
	var e model.Entry
	if err := decode(make([]byte, searchSizes[0]), &e); err == nil {
		t.Error("an empty search filter decodes as an entry")
	}
}

// FuzzDecodeEntry: any value either does not decode or decodes into an entry whose binary
// form reads back the same.
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range codecEntries() {
		f.Add(encodeEntry(nil, e))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var e model.Entry
		if decode(v, &e) != nil || isJSON(v) {
			return
		}
		var again model.Entry
		if err := decode(encodeEntry(nil, e), &again); err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("%#v reads back as %#v, %v", e, again, err)
		}
	})
}

// TestEntryPeek: the target and the approved mark read without decoding, in both forms.
func TestEntryPeek(t *testing.T) {
	for name, e := range codecEntries() {
		for form, v := range map[string][]byte{"binary": encodeEntry(nil, e), "JSON": saveJSON(t, e)} {
			if !entryMayBeInto(v, e.To) || e.To != french && entryMayBeInto(v, french) {
				t.Errorf("%s, %s: into %q: %v, into fr: %v", name, form, e.To, entryMayBeInto(v, e.To), entryMayBeInto(v, french))
			}
			if got := entryMayBeApproved(v); got != (e.Approved != "") {
				t.Errorf("%s, %s: may be approved %v", name, form, got)
			}
		}
	}
}

// TestMatcherPrefilterBinary: the prefilter passes every binary entry whose texts contain
// the query, ignoring case, whatever bytes stand around them.
func TestMatcherPrefilterBinary(t *testing.T) {
	texts := []string{"The Quick Brown Fox", "İSTANBUL", "5\u212a", "빠른 여우", "ΣΊΣΥΦΟΣ", "ｶﾀｶﾅ", "é", "\u00e9\u0301"}
	queries := []string{"quick", "istanbul", "5k", "여우", "σίσυφος", "ｶﾀ", "é", "f", "ox", "른"}
	for _, text := range texts {
		for _, field := range []func(e *model.Entry){
			func(e *model.Entry) { e.Source = text },
			func(e *model.Entry) { e.Text = text },
			func(e *model.Entry) { e.Text, e.Clean = "“"+text+"”", text },
			func(e *model.Entry) { e.Approved = text },
			func(e *model.Entry) { e.Text, e.Approved = text, text },
		} {
			e := model.Entry{ID: 0xe3e3e3, SessionID: 0xc3c3, Created: time.Unix(1<<31, 0xe38080).UTC(), Model: "ｍｏｄｅｌ", To: korean, Status: model.StatusDone, Source: "x"}
			field(&e)
			v := encodeEntry(nil, e)
			for _, q := range queries {
				m := newMatcher(q)
				if m.match(e) && !m.maybe(v) {
					t.Errorf("prefilter for %q misses %+v", q, e)
				}
			}
		}
	}
}
