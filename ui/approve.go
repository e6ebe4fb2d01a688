package ui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// correction is a translation being corrected in the input box: Send stores the box's text
// as the entry's approved translation, Cancel gives the box back what it held before.
type correction struct {
	blk   *block
	saved string // the box's text before the correction began
}

// approvedMsg: the store approved (or could not approve) the entry blk shows.
type approvedMsg struct {
	blk       *block
	entry     model.Entry
	corrected bool
	err       error
}

// focusedBlock is the translation Approve, Correct and Copy act on: the focused target of
// the newest line.
func (m Model) focusedBlock() *block {
	group := m.sb.lastGroup()
	if len(group) == 0 {
		return nil
	}
	return group[min(m.focus, len(group)-1)]
}

// approvable says why blk cannot be approved or corrected now, or "".
func (m Model) approvable(blk *block) string {
	switch {
	case blk == nil:
		return "nothing to approve yet"
	case blk.live != nil || blk.queued || blk.entry.Status == model.StatusPending:
		return "the translation is still streaming"
	case blk.entry.ID == 0:
		return "the translation is not stored yet"
	}
	return ""
}

// approve approves the focused translation as it is.
func (m Model) approve() (tea.Model, tea.Cmd) {
	blk := m.focusedBlock()
	if why := m.approvable(blk); why != "" {
		return m, m.setFlash(why, true)
	}
	if strings.TrimSpace(blk.entry.Display()) == "" {
		return m, m.setFlash("there is no translation to approve: "+m.keys.Correct.Help().Key+" writes one", true)
	}
	return m, approveCmd(m.cfg.Ctx, m.st, m.cfg.Owner, blk, "", m.late)
}

// correct opens the focused translation in the input box for editing; what the box held
// is kept and comes back when the correction is saved or cancelled.
func (m Model) correct() (tea.Model, tea.Cmd) {
	blk := m.focusedBlock()
	if why := m.approvable(blk); why != "" {
		return m, m.setFlash(why, true)
	}
	m.fix = &correction{blk: blk, saved: m.input.Value()}
	m.input.SetValue(model.Sanitize(blk.entry.Display()))
	m.input.prompt = "✎ "
	m.layout()
	return m, m.setFlash(fmt.Sprintf("correcting entry %d (%s): %s saves, %s cancels", blk.entry.ID,
		model.SanitizeLine(blk.entry.To.String()), m.keys.Send.Help().Key, m.keys.Cancel.Help().Key), false)
}

// saveCorrection stores the box's text as the corrected translation.
func (m Model) saveCorrection() (tea.Model, tea.Cmd) {
	text := strings.TrimSpace(m.input.Value())
	if text == "" {
		return m, m.setFlash("a correction cannot be empty: "+m.keys.Cancel.Help().Key+" cancels it", true)
	}
	fix := m.fix
	m = m.endCorrection()
	return m, approveCmd(m.cfg.Ctx, m.st, m.cfg.Owner, fix.blk, text, m.late)
}

// cancelCorrection gives the box back what it held.
func (m Model) cancelCorrection() (tea.Model, tea.Cmd) {
	m = m.endCorrection()
	return m, m.setFlash("correction cancelled", false)
}

func (m Model) endCorrection() Model {
	m.input.SetValue(m.fix.saved)
	m.input.prompt = ""
	m.fix = nil
	m.layout()
	return m
}

// approveCmd stores text (empty: the translation as it is) as blk's approved translation.
func approveCmd(ctx context.Context, st Store, owner model.Owner, blk *block, text string, late *lateWrites) tea.Cmd {
	id := blk.entry.ID
	return func() tea.Msg {
		late.add()
		defer late.done()
		e, err := st.Approve(ctx, owner, id, text)
		return approvedMsg{blk: blk, entry: e, corrected: text != "", err: err}
	}
}

func (m Model) applyApproved(msg approvedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	msg.blk.entry = msg.entry
	msg.blk.invalidate()
	verb := "approved"
	if msg.corrected {
		verb = "corrected and approved"
	}
	return m, m.setFlash(fmt.Sprintf("entry %d %s: the memory reuses it for this line", msg.entry.ID, verb), false)
}
