package ui

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yeok/yeok/model"
)

// historyItem is a session or a script in the history browser, with what its row shows
// worked out once, when the list is loaded.
type historyItem struct {
	session *model.Session
	script  *model.Script

	title   string    // sanitised: the first source line, or the script id
	langs   string    // sanitised "en → ko-KR"
	when    time.Time // last activity
	entries int
	hay     [4]string // lower-cased title, languages, kind and script: what the filter matches
}

// newSessionItem and newScriptItem sanitise what the row draws: stored text is untrusted.
func newSessionItem(s *model.Session) historyItem {
	title := model.SanitizeLine(s.Title)
	if title == "" {
		title = fmt.Sprintf("session %d", s.ID)
	}
	it := historyItem{session: s, title: title, langs: langPair(s.From, s.To), when: s.Updated, entries: s.Entries}
	if it.when.IsZero() {
		it.when = s.Started
	}
	it.hay = [4]string{strings.ToLower(it.title), strings.ToLower(it.langs), "session", strings.ToLower(model.SanitizeLine(s.ScriptID))}
	return it
}

func newScriptItem(s *model.Script) historyItem {
	it := historyItem{script: s, title: model.SanitizeLine(s.ID), langs: langPair(s.From, s.To), when: s.Updated, entries: s.Entries}
	if it.when.IsZero() {
		it.when = s.Created
	}
	it.hay = [4]string{strings.ToLower(it.title), strings.ToLower(it.langs), "script"}
	return it
}

// label names the item in the status line and the delete question.
func (it historyItem) label() string {
	if it.script != nil {
		return "script " + it.title
	}
	return fmt.Sprintf("session %d", it.session.ID)
}

// languages are the source and target the item's entries were translated with.
func (it historyItem) languages() (from, to model.Language) {
	if it.script != nil {
		return it.script.From, it.script.To
	}
	return it.session.From, it.session.To
}

// same reports whether two items are the same session or script.
func (it historyItem) same(o historyItem) bool {
	switch {
	case it.script != nil && o.script != nil:
		return it.script.ID == o.script.ID
	case it.session != nil && o.session != nil:
		return it.session.ID == o.session.ID
	}
	return false
}

// score rates how well q matches the item's best field (see matchScore); a match that is
// only a subsequence scores higher the tighter its letters sit, and never spans fields.
func (it historyItem) score(q string) int {
	best := 0
	for _, f := range it.hay {
		s := matchScore(q, f)
		if s > 0 && s <= 10 {
			s = 1 + max(9-(subsequenceSpan(q, f)-utf8.RuneCountInString(q)), 0)
		}
		best = max(best, s)
	}
	return best
}

// subsequenceSpan is the length in runes of the shortest stretch of s that holds the runes
// of q in order, or len(s) when there is none.
func subsequenceSpan(q, s string) int {
	qr, sr := []rune(q), []rune(s)
	best := len(sr)
	for start := range sr {
		if len(qr) == 0 || sr[start] != qr[0] {
			continue
		}
		j := 0
		for i := start; i < len(sr) && i-start < best; i++ {
			if sr[i] == qr[j] {
				if j++; j == len(qr) {
					best = min(best, i-start+1)
					break
				}
			}
		}
	}
	return best
}
