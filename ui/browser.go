package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// historyPage is how many sessions the browser reads when it opens. The rest are read
// when the person filters or scrolls near the end of the list.
const historyPage = 100

// browserMode says what the history browser is doing.
type browserMode int

const (
	browseList    browserMode = iota // sessions and scripts, filtered as the person types
	browseSearch                     // full-text search over every entry
	browseConfirm                    // waiting for the answer to "delete this?"
)

// browserEnv is what the browser's own commands need.
type browserEnv struct {
	ctx   context.Context
	st    Store
	owner model.Owner
}

// historyModel is the history browser (Ctrl+O): sessions and scripts newest first with a
// fuzzy filter, a full-text search over every entry, and delete and export of the
// selected item. Store calls run in commands; the model only changes in update.
type historyModel struct {
	env  browserEnv
	mode browserMode

	loading bool // the first page is on its way
	more    bool // the store may hold more sessions than were read
	fetch   bool // a read of every session is on its way
	err     string
	base    []historyItem // everything loaded, newest first
	items   []historyItem // base as filtered
	filter  editor
	cursor  int
	top     int
	current uint64 // the session new entries go to, marked in the list
	canExp  bool   // Config.Export is set
	now     time.Time
	loc     *time.Location
	width   int
	height  int
	lk      look

	confirm historyItem // the item a deletion waits on, in browseConfirm
	search  searchModel
}

type (
	historyLoadedMsg struct {
		limit    int // the page size asked for; 0: every session
		sessions []model.Session
		scripts  []model.Script
		err      error
	}
	// reopenedMsg carries the entries of a reopened session or script, oldest first.
	// earlier holds, when the entry to show is older than entries, the entries up to it.
	reopenedMsg struct {
		item    historyItem
		earlier []model.Entry
		entries []model.Entry
		target  uint64 // the entry to scroll to; 0 for none
		err     error
	}
)

// browserMsg is a message of the history browser's commands; Model.applyBrowser takes
// each of them.
type browserMsg interface{ browserMsg() }

func (historyLoadedMsg) browserMsg() {}
func (reopenedMsg) browserMsg()      {}

func loadHistoryCmd(env browserEnv, limit int) tea.Cmd {
	return func() tea.Msg {
		sessions, err := env.st.Sessions(env.ctx, env.owner, limit)
		if err != nil {
			return historyLoadedMsg{limit: limit, err: fmt.Errorf("list sessions: %w", err)}
		}
		scripts, err := env.st.Scripts(env.ctx, env.owner)
		if err != nil {
			return historyLoadedMsg{limit: limit, err: fmt.Errorf("list scripts: %w", err)}
		}
		return historyLoadedMsg{limit: limit, sessions: sessions, scripts: scripts}
	}
}

func newHistory(env browserEnv, lk look, current uint64, now time.Time, canExport bool) historyModel {
	f := newEditor(lk.keys, editorStyles{
		text: lk.st.PanelItem, placeholder: lk.st.PanelDim, cursor: lk.st.InputCursor, prompt: lk.st.SourceMark,
	}, "type to filter · "+lk.keys.Search.Help().Key+" searches every entry")
	f.single, f.prompt = true, "› "
	return historyModel{
		env: env, loading: true, filter: f, current: current, now: now, loc: now.Location(), canExp: canExport, lk: lk,
		search: newSearch(lk),
	}
}

// loaded takes a list from the store. A page that arrives after the whole list is dropped.
func (h historyModel) loaded(msg historyLoadedMsg) historyModel {
	if msg.limit > 0 && !h.loading && !h.more {
		return h
	}
	h.loading, h.fetch = false, false
	if msg.err != nil {
		h.err = msg.err.Error()
		return h
	}
	h.err = ""
	h.more = msg.limit > 0 && len(msg.sessions) >= msg.limit
	base := make([]historyItem, 0, len(msg.sessions)+len(msg.scripts))
	for i := range msg.scripts {
		base = append(base, newScriptItem(&msg.scripts[i]))
	}
	for i := range msg.sessions {
		base = append(base, newSessionItem(&msg.sessions[i]))
	}
	// Both lists come newest first; one stable sort interleaves them.
	sort.SliceStable(base, func(i, j int) bool { return base[i].when.After(base[j].when) })
	var keep historyItem
	if h.cursor < len(h.items) {
		keep = h.items[h.cursor]
	}
	h.base = base
	h.refilter()
	if i := slices.IndexFunc(h.items, keep.same); i >= 0 {
		h.cursor = i
	}
	h.scrollToCursor()
	return h
}

func (h *historyModel) setSize(w, ht int) {
	h.width, h.height = w, ht
	h.filter.width = max(w-6, 4)
	h.search.setSize(w, ht)
	h.scrollToCursor()
}

// listRows is how many rows the list gets under the title, the filter and the column
// names, above the count.
func (h historyModel) listRows() int { return max(h.height-5, 1) }

func (h *historyModel) scrollToCursor() {
	rows := h.listRows()
	h.cursor = min(h.cursor, max(len(h.items)-1, 0))
	h.top = min(h.top, h.cursor)
	if h.cursor >= h.top+rows {
		h.top = h.cursor - rows + 1
	}
}

// refilter keeps the items matching the filter, best first; equal matches stay newest
// first. Several words match when each does.
func (h *historyModel) refilter() {
	q := strings.ToLower(strings.TrimSpace(h.filter.Value()))
	if q == "" {
		h.items = h.base
		return
	}
	type scored struct {
		it    historyItem
		score int
	}
	words := strings.Fields(q)
	var hits []scored
	for _, it := range h.base {
		score := it.score(q)
		if score == 0 && len(words) > 1 {
			score = 100
			for _, w := range words {
				score = min(score, it.score(w))
			}
		}
		if score > 0 {
			hits = append(hits, scored{it, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	h.items = make([]historyItem, len(hits))
	for i, s := range hits {
		h.items[i] = s.it
	}
}

// historyAction is what a key in the browser asks the app to do.
type historyAction struct {
	kind   actionKind
	item   historyItem
	target model.Entry // for actOpenEntry
}

type actionKind int

const (
	actNone      actionKind = iota
	actReopen               // reopen item into the scrollback
	actOpenEntry            // reopen the session or script of target, scrolled to it
	actDelete               // delete item (confirmed)
	actExport               // export item to a file
)

// update handles a key in the browser.
func (h historyModel) update(msg tea.KeyMsg) (historyModel, historyAction, tea.Cmd) {
	switch h.mode {
	case browseConfirm:
		h.mode = browseList
		if key.Matches(msg, h.lk.keys.Confirm) {
			return h, historyAction{kind: actDelete, item: h.confirm}, nil
		}
		return h, historyAction{}, nil
	case browseSearch:
		if key.Matches(msg, h.lk.keys.Search) {
			return h.leaveSearch(), historyAction{}, nil
		}
		var (
			act historyAction
			cmd tea.Cmd
		)
		h.search, act, cmd = h.search.update(msg, h.env)
		return h, act, cmd
	}
	return h.updateList(msg)
}

func (h historyModel) updateList(msg tea.KeyMsg) (historyModel, historyAction, tea.Cmd) {
	k := h.lk.keys
	var selected *historyItem
	if h.cursor < len(h.items) {
		selected = &h.items[h.cursor]
	}
	switch {
	case key.Matches(msg, k.Search):
		h.mode = browseSearch
		var cmd tea.Cmd
		h.search, cmd = h.search.resume(h.env.ctx)
		return h, historyAction{}, cmd
	case key.Matches(msg, k.Up):
		h.cursor = max(h.cursor-1, 0)
	case key.Matches(msg, k.Down):
		h.cursor = min(h.cursor+1, max(len(h.items)-1, 0))
	case key.Matches(msg, k.Choose), key.Matches(msg, k.Delete), key.Matches(msg, k.Export):
		switch {
		case selected == nil:
		case key.Matches(msg, k.Choose):
			return h, historyAction{kind: actReopen, item: *selected}, nil
		case key.Matches(msg, k.Export):
			return h, historyAction{kind: actExport, item: *selected}, nil
		default:
			h.mode, h.confirm = browseConfirm, *selected
		}
		return h, historyAction{}, nil
	default:
		before := h.filter.Value()
		h.filter, _ = h.filter.update(msg)
		if h.filter.Value() != before {
			h.refilter()
			h.cursor, h.top = 0, 0
		}
	}
	h.scrollToCursor()
	return h, historyAction{}, h.fetchRest()
}

// fetchRest reads every session once the person filters, or scrolls to within a screen
// of the end of the first page.
func (h *historyModel) fetchRest() tea.Cmd {
	if !h.more || h.fetch || h.loading {
		return nil
	}
	if h.filter.Value() == "" && h.cursor < len(h.items)-h.listRows() {
		return nil
	}
	h.fetch = true
	return loadHistoryCmd(h.env, 0)
}

// leaveSearch goes back to the list, dropping a search due or running.
func (h historyModel) leaveSearch() historyModel {
	h.search = h.search.halt()
	h.mode = browseList
	return h
}

// back is Esc: out of the confirmation or the search, back to the list. It reports
// false when the browser should close.
func (h historyModel) back() (historyModel, bool) {
	switch h.mode {
	case browseConfirm:
		h.mode = browseList
		return h, true
	case browseSearch:
		return h.leaveSearch(), true
	}
	h.search = h.search.halt()
	return h, false
}

// remove drops a deleted item from the lists.
func (h historyModel) remove(it historyItem) historyModel {
	drop := func(s []historyItem) []historyItem {
		return slices.DeleteFunc(slices.Clone(s), it.same)
	}
	h.base, h.items = drop(h.base), drop(h.items)
	h.scrollToCursor()
	return h
}
