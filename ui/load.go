package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// recentInputs is how many earlier inputs Up can recall.
const recentInputs = 100

type (
	// transcriptMsg carries what to show above this run: the last session's entries, or
	// the script's, oldest first.
	transcriptMsg struct {
		session model.Session // zero for a script
		script  string
		entries []model.Entry
		err     error
	}
	recentsMsg struct {
		langs []model.Language
		err   error
	}
	inputsMsg struct {
		inputs []string
		err    error
	}
	touchedMsg struct{ err error }
)

// loadTranscriptCmd reads the entries shown at start: the script's newest entries when a
// script is set, else the last session's.
func loadTranscriptCmd(ctx context.Context, st Store, owner model.Owner, script string) tea.Cmd {
	return func() tea.Msg {
		q := model.EntryQuery{ScriptID: script, Limit: historyLimit}
		var sess model.Session
		if script == "" {
			var err error
			sess, err = st.LastSession(ctx, owner)
			if isNotFound(err) {
				return transcriptMsg{}
			}
			if err != nil {
				return transcriptMsg{err: fmt.Errorf("load last session: %w", err)}
			}
			q.SessionID = sess.ID
		}
		entries, err := st.Entries(ctx, owner, q)
		if err != nil {
			return transcriptMsg{err: fmt.Errorf("load entries: %w", err)}
		}
		return transcriptMsg{session: sess, script: script, entries: oldestFirst(entries)}
	}
}

// oldestFirst puts entries in reading order whichever way the store returned them.
func oldestFirst(entries []model.Entry) []model.Entry {
	if len(entries) > 1 && entries[0].ID > entries[len(entries)-1].ID {
		slices.Reverse(entries)
	}
	return entries
}

// sessionTitle names a session in markers and lists, its time in loc (nil: as stored).
func sessionTitle(s model.Session, loc *time.Location) string {
	t := s.Started
	if loc != nil {
		t = t.In(loc)
	}
	return fmt.Sprintf("session %d · %s", s.ID, t.Format("Jan 2 15:04"))
}

// applyTranscript shows the earlier entries above anything this run already added, with
// a marker where this run starts.
func (m Model) applyTranscript(msg transcriptMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	if len(msg.entries) == 0 || (msg.session.ID != 0 && msg.session.ID == m.session.ID) {
		return m, nil // nothing earlier, or this run's own session came back as the last one
	}
	title := "script " + msg.script
	if msg.script == "" {
		title = "last " + sessionTitle(msg.session, m.now().Location())
	}
	blocks := entryBlocks(title, msg.entries)
	blocks = append(blocks, &block{kind: blockMarker, label: "new session · " + m.now().Format("15:04")})
	m.sb.reset(append(blocks, m.sb.blocks...))
	return m, nil
}

// entryBlocks turns stored entries into scrollback blocks under a marker titled title.
func entryBlocks(title string, entries []model.Entry) []*block {
	blocks := make([]*block, 0, len(entries)+2)
	blocks = append(blocks, &block{kind: blockMarker, label: title})
	for i, e := range entries {
		b := &block{kind: blockEntry, entry: e}
		if e.Group != 0 {
			// The targets of one line stack under its source, as they did when it streamed.
			b.tagged = true
			b.member = i > 0 && entries[i-1].Group == e.Group
		}
		blocks = append(blocks, b)
	}
	return blocks
}

func loadRecentsCmd(ctx context.Context, st Store, owner model.Owner) tea.Cmd {
	return func() tea.Msg {
		langs, err := st.RecentLanguages(ctx, owner)
		if err != nil {
			err = fmt.Errorf("load recent languages: %w", err)
		}
		return recentsMsg{langs: langs, err: err}
	}
}

func (m Model) applyRecents(msg recentsMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	m.recents = msg.langs
	// The last target used wins over a default, unless the person changed it already.
	if m.cfg.ToIsDefault && m.to == m.cfg.To && len(m.more) == 0 && len(msg.langs) > 0 {
		set := splitSet(msg.langs[0])
		m.to, m.more = set[0], set[1:]
	}
	return m, nil
}

func loadInputsCmd(ctx context.Context, st Store, owner model.Owner) tea.Cmd {
	return func() tea.Msg {
		inputs, err := st.RecentInputs(ctx, owner, recentInputs)
		if err != nil {
			err = fmt.Errorf("load earlier inputs: %w", err)
		}
		return inputsMsg{inputs: inputs, err: err}
	}
}

func (m Model) applyInputs(msg inputsMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	// Inputs sent before the list arrived stay first.
	for _, s := range msg.inputs {
		if !slices.Contains(m.inputs, s) {
			m.inputs = append(m.inputs, s)
		}
	}
	return m, nil
}

// touchLanguageCmd records l as the newest recent target.
func touchLanguageCmd(ctx context.Context, st Store, owner model.Owner, l model.Language, late *lateWrites) tea.Cmd {
	return func() tea.Msg {
		// A language picked just before quitting is still stored: Wait waits for it.
		late.add()
		defer late.done()
		if err := st.TouchLanguage(ctx, owner, l); err != nil {
			return touchedMsg{err: fmt.Errorf("touch language %s: %w", l, err)}
		}
		return touchedMsg{}
	}
}

// isNotFound reports the store's "none yet" answer, which is not an error to show.
func isNotFound(err error) bool { return errors.Is(err, model.ErrNotFound) }
