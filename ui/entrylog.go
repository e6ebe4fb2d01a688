package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// The store writes of one entry: logged as pending (after the request is prepared), then
// finished once, even when the session's context has ended in between.

// beginJob prepares a request, creates the session on the first send and logs the entry
// as pending.
type beginJob struct {
	ctx        context.Context
	st         Store
	owner      model.Owner
	id         uint64
	sess, tmpl model.Session
	req        model.Request
	prepare    func(context.Context, *model.Request) error
	missed     []string
	now        func() time.Time
	late       *lateWrites
}

func (j beginJob) cmd() tea.Cmd {
	return func() tea.Msg {
		j.late.add()
		defer j.late.done()
		req := j.req
		if j.prepare != nil {
			if err := j.prepare(j.ctx, &req); err != nil {
				return beganMsg{id: j.id, err: fmt.Errorf("prepare request: %w", err)}
			}
		}
		if len(j.missed) > 0 {
			req.Notes = append(req.Notes, glossaryNotes(j.ctx, j.st, req, j.missed)...)
		}
		sess := j.sess
		if sess.ID == 0 {
			s, err := j.st.NewSession(j.ctx, j.owner, j.tmpl)
			if err != nil {
				return beganMsg{id: j.id, err: fmt.Errorf("start session: %w", err)}
			}
			sess = s
		}
		req.SessionID = sess.ID
		e, err := j.st.Begin(j.ctx, req)
		if err != nil {
			return beganMsg{id: j.id, session: sess, err: fmt.Errorf("log entry: %w", err)}
		}
		if j.ctx.Err() != nil {
			// The session ended as the entry was logged: nothing will stream it, and
			// Update may never run again.
			e.Apply(endedResult(model.Result{}, snapshot{}), j.now())
			saved, err := finishEntry(j.ctx, j.st, e)
			return endedMsg{id: j.id, entry: saved, err: err}
		}
		return beganMsg{id: j.id, session: sess, entry: e, req: req}
	}
}

// finishTimeout bounds the final write of an entry, which outlives the session's context.
const finishTimeout = 3 * time.Second

// finishCmd commits the finished entry: one transaction for the whole stream.
func finishCmd(ctx context.Context, st Store, blk *block, e model.Entry, late *lateWrites) tea.Cmd {
	return func() tea.Msg {
		late.add()
		defer late.done()
		saved, err := finishEntry(ctx, st, e)
		return finishedMsg{blk: blk, entry: saved, err: err}
	}
}

// finishEntry writes a finished entry even when ctx has ended (a connection dropped
// mid-answer must not leave the entry pending), within finishTimeout. On failure it
// returns e as it was.
func finishEntry(ctx context.Context, st Store, e model.Entry) (model.Entry, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	saved, err := st.Finish(ctx, e)
	if err != nil {
		return e, fmt.Errorf("save entry: %w", err)
	}
	return saved, nil
}

// applyEnded shows an entry that the stream's reader finished after the session's context
// ended, in case the program still runs.
func (m Model) applyEnded(msg endedMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || f.id != msg.id {
		return m, nil
	}
	m.flight = nil
	f.cancel()
	f.blk.entry, f.blk.live = msg.entry, nil
	f.blk.invalidate()
	m.countFollowed(f, msg.entry.Status)
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	return m, m.setFlash(string(msg.entry.Status)+": "+sessionEnded, true)
}
