package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// Search runs this long after the last keystroke, so that typing a word reads the store
// once, not once per letter.
const searchDebounce = 150 * time.Millisecond

// searchLimit caps the results of one search.
const searchLimit = 200

// searchHit is one result with the text its rows draw, sanitised once when it arrives.
type searchHit struct {
	entry       model.Entry
	source      string
	translation string
}

// searchModel is the browser's full-text search over every entry of the owner. Each
// edit of the query gets a sequence number; only the newest one is searched, and results
// of an older one are dropped when they arrive.
type searchModel struct {
	query   editor
	seq     uint64
	ran     string // the query the results answer
	waiting bool   // a search for the newest query is due or running
	cancel  context.CancelFunc
	hits    []searchHit
	err     string
	cursor  int
	top     int
	width   int
	height  int
	lk      look
}

type (
	// searchDueMsg fires searchDebounce after edit seq of the query.
	searchDueMsg struct{ seq uint64 }
	// searchDoneMsg carries the results of the search for edit seq.
	searchDoneMsg struct {
		seq     uint64
		query   string
		entries []model.Entry
		err     error
	}
)

func (searchDueMsg) browserMsg()  {}
func (searchDoneMsg) browserMsg() {}

func newSearch(lk look) searchModel {
	q := newEditor(lk.keys, editorStyles{
		text: lk.st.PanelItem, placeholder: lk.st.PanelDim, cursor: lk.st.InputCursor, prompt: lk.st.SourceMark,
	}, "search the source and translation of every entry")
	q.single, q.prompt = true, "› "
	return searchModel{query: q, lk: lk}
}

// searchCmd reads the entries matching query; it stops early when ctx is cancelled by a
// newer search.
func searchCmd(ctx context.Context, env browserEnv, seq uint64, query string) tea.Cmd {
	return func() tea.Msg {
		entries, err := env.st.Entries(ctx, env.owner, model.EntryQuery{Search: query, Limit: searchLimit})
		if err != nil {
			err = fmt.Errorf("search %q: %w", query, err)
		}
		return searchDoneMsg{seq: seq, query: query, entries: entries, err: err}
	}
}

func (s *searchModel) setSize(w, h int) {
	s.width, s.height = w, h
	s.query.width = max(w-6, 4)
	s.scrollToCursor()
}

// rows is how many result rows fit: each result takes two.
func (s searchModel) rows() int { return max((s.height-5)/2, 1) }

func (s *searchModel) scrollToCursor() {
	n := s.rows()
	s.cursor = min(s.cursor, max(len(s.hits)-1, 0))
	s.top = min(s.top, s.cursor)
	if s.cursor >= s.top+n {
		s.top = s.cursor - n + 1
	}
}

// update handles a key in search mode. An edit of the query schedules a search after
// searchDebounce; Update itself never reads the store.
func (s searchModel) update(msg tea.KeyMsg, env browserEnv) (searchModel, historyAction, tea.Cmd) {
	k := s.lk.keys
	switch {
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(len(s.hits)-1, 0))
	case key.Matches(msg, k.Choose):
		if s.cursor < len(s.hits) {
			return s, historyAction{kind: actOpenEntry, target: s.hits[s.cursor].entry}, nil
		}
	default:
		before := s.query.Value()
		s.query, _ = s.query.update(msg)
		if s.query.Value() != before {
			return s.edited(env.ctx)
		}
	}
	s.scrollToCursor()
	return s, historyAction{}, nil
}

// edited starts the debounce for a new query; an empty query clears the results at once.
func (s searchModel) edited(ctx context.Context) (searchModel, historyAction, tea.Cmd) {
	s = s.stop()
	s.seq++
	if strings.TrimSpace(s.query.Value()) == "" {
		s.hits, s.ran, s.err, s.waiting, s.cursor, s.top = nil, "", "", false, 0, 0
		return s, historyAction{}, nil
	}
	s.waiting = true
	return s, historyAction{}, afterCmd(ctx, searchDebounce, searchDueMsg{seq: s.seq})
}

// due starts the search when no edit came after the one that scheduled it.
func (s searchModel) due(msg searchDueMsg, env browserEnv) (searchModel, tea.Cmd) {
	if msg.seq != s.seq {
		return s, nil
	}
	s = s.stop()
	ctx, cancel := context.WithCancel(env.ctx)
	s.cancel = cancel
	return s, searchCmd(ctx, env, msg.seq, strings.TrimSpace(s.query.Value()))
}

// done shows the results of the newest search; older ones are stale and dropped.
func (s searchModel) done(msg searchDoneMsg) searchModel {
	if msg.seq != s.seq {
		return s
	}
	s = s.stop()
	s.waiting, s.ran, s.cursor, s.top = false, msg.query, 0, 0
	if msg.err != nil {
		s.hits, s.err = nil, msg.err.Error()
		return s
	}
	s.err = ""
	s.hits = make([]searchHit, len(msg.entries))
	for i, e := range msg.entries {
		s.hits[i] = searchHit{entry: e, source: model.SanitizeLine(e.Source), translation: model.SanitizeLine(e.Display())}
	}
	return s
}

// halt leaves search mode: a search due or running is dropped, the results stay.
func (s searchModel) halt() searchModel {
	s = s.stop()
	s.seq++
	s.waiting = false
	return s
}

// resume is coming back to search mode: a query whose results were dropped runs again.
func (s searchModel) resume(ctx context.Context) (searchModel, tea.Cmd) {
	s.query.focused = true
	if q := strings.TrimSpace(s.query.Value()); q == "" || q == s.ran {
		return s, nil
	}
	s, _, cmd := s.edited(ctx)
	return s, cmd
}

// stop cancels the search that is running, if any.
func (s searchModel) stop() searchModel {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	return s
}
