package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// Defaults of a batch: lines in flight, and source lines before each that go with it as
// context when lines run in parallel.
const (
	defaultParallel  = 4
	defaultPreceding = 3
	// recoverAfter is how many lines in a row must finish without a 429 before the batch
	// takes one more line in flight again.
	recoverAfter = 4
	// maxSends is how many times a line that keeps getting 429 is sent before it counts
	// as failed.
	maxSends = 6
)

// batch translates the lines of a complete input with up to parallel lines in flight. Lines
// start in input order, each logged before the next starts, so the store holds them in
// input order; stdout gets them in input order too, the first line not yet written out
// streaming live and the others held until their turn.
//
// A line that ends rate limited (429 after the provider's own retries) is sent again, after
// a pause, with half as many lines in flight; the number recovers by one after each
// recoverAfter lines in a row that were not. A line that ends with a fatal error class stops
// the batch: lines in flight are cancelled and no other line starts.
type batch struct {
	eng     *llm.Engine
	base    model.Request
	targets []model.Language
	sources []source
	// done holds, for --resume, the targets each line is done into already.
	done      [][]model.Language
	parallel  int
	preceding int
	con       *console
	asJSON    bool
	sanitise  bool
}

// lineJob is one source line of a batch and what became of it.
type lineJob struct {
	index   int
	req     model.Request
	buf     *lineBuffer
	line    *lineOutput
	logged  chan struct{}
	targets []model.Language // the targets this send goes into
	kept    []model.Entry    // entries done by earlier sends, in the order of b.targets
	entries []model.Entry
	err     error
	sends   int
	// ready: back for good, its entries merged (set by the batch's own goroutine only).
	ready bool
	// cut: cancelled because another line stopped the batch.
	cut bool
}

// batchStop is the cause a batch cancels its lines in flight with.
var batchStop = &model.Error{Class: model.ClassCancelled, Message: "stopped: another line failed"}

// stoppedEvent is the last --json event of a batch a fatal error stopped: the lines never
// sent, and those cancelled in flight, so the run can be resumed.
type stoppedEvent struct {
	Type      string       `json:"type"`
	Error     string       `json:"error"`
	Unsent    []lineRecord `json:"unsent"`
	Cancelled []lineRecord `json:"cancelled"`
}

type lineRecord struct {
	Line   int    `json:"line"`
	Source string `json:"source"`
}

// run translates every line not skipped and returns the problems to report and, when a
// line stopped the batch, its problem, which is the run's error. err is set only when the
// log failed.
func (b *batch) run(ctx context.Context) (problems []string, fatal string, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var order []int
	for i := range b.sources {
		if len(todo(b.targets, b.done[i])) > 0 {
			order = append(order, i)
		}
	}
	results := make(chan *lineJob, b.parallel)
	jobs := make(map[int]*lineJob, b.parallel)
	var (
		next, head, inFlight int
		limit, streak        = b.parallel, 0
		resend               []*lineJob
		stopped              bool
		cut                  []lineRecord
		logErr               error
	)
	b.con.begin()
	defer b.con.close()
	var tick <-chan time.Time
	if b.con.tty {
		// The rate and ETA move on while a slow line holds the others back.
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		for !stopped && logErr == nil && inFlight < limit && (len(resend) > 0 || next < len(order)) {
			var j *lineJob
			if len(resend) > 0 {
				j, resend = resend[0], resend[1:]
			} else {
				j = b.newJob(order[next])
				jobs[j.index] = j
				next++
				if j.index == order[head] {
					_ = j.buf.goLive()
				}
			}
			inFlight++
			b.start(ctx, j, results)
		}
		if inFlight == 0 {
			break
		}
		var j *lineJob
		select {
		case j = <-results:
		case <-tick:
			b.con.redraw()
			continue
		}
		inFlight--
		switch {
		case j.err != nil:
			logErr = j.err
			stopped = true
			cancel(batchStop)
			continue
		case stopped && j.cancelled():
			j.cut = true
			cut = append(cut, lineRecord{Line: j.index + 1, Source: b.sources[j.index].text})
		case j.fatal():
			stopped = true
			cancel(batchStop)
		case j.rateLimited() && j.sends < maxSends && !stopped:
			limit, streak = max(1, limit/2), 0
			j.again()
			resend = append(resend, j)
			continue
		case j.rateLimited():
			streak = 0 // sent maxSends times: it counts as failed
		default:
			if streak++; streak >= recoverAfter && limit < b.parallel {
				limit, streak = limit+1, 0
			}
		}
		j.entries, j.ready = j.merged(b.targets), true
		if stopped {
			for _, r := range resend {
				r.entries, r.ready, r.cut = r.merged(b.targets), true, true
				cut = append(cut, lineRecord{Line: r.index + 1, Source: b.sources[r.index].text})
			}
			resend = nil
		}
		for head < len(order) {
			h := jobs[order[head]]
			if h == nil || !h.ready {
				break
			}
			got, bad := b.writeOut(h)
			if bad && fatal == "" && len(got) > 0 {
				fatal, got = got[len(got)-1], got[:len(got)-1]
			}
			problems = append(problems, got...)
			delete(jobs, h.index)
			head++
			if head < len(order) && jobs[order[head]] != nil {
				if err := jobs[order[head]].buf.goLive(); err != nil {
					return problems, fatal, fmt.Errorf("write output: %w", err)
				}
			}
		}
	}
	if logErr != nil {
		return problems, fatal, logErr
	}
	if stopped {
		b.stopped(fatal, order[next:], cut)
	}
	return problems, fatal, nil
}

// newJob builds line i's request: the parallel rule adds the source lines before it.
func (b *batch) newJob(i int) *lineJob {
	src := b.sources[i]
	req := b.base
	req.Source, req.Cue = src.text, src.cue
	if b.parallel > 1 && b.preceding > 0 {
		for _, s := range b.sources[max(0, i-b.preceding):i] {
			req.Preceding = append(req.Preceding, s.text)
		}
	}
	j := &lineJob{index: i, req: req, buf: b.con.lineBuffer(), targets: todo(b.targets, b.done[i])}
	p := newEventPrinter(j.buf, b.asJSON)
	if p.stream != nil {
		p.stream.sanitise = b.sanitise
	}
	j.line = p.line(j.targets)
	if p.stream != nil && len(b.targets) > 1 && len(j.targets) == 1 {
		// The one target a resumed line still needs is labelled like the others.
		_ = p.stream.emit(label(j.targets[0]))
	}
	return j
}

// start sends line j and waits until each of its entries is logged (or it ended without),
// so that lines are stored in input order. A line sent again waits first, and is not
// waited for.
func (b *batch) start(ctx context.Context, j *lineJob, results chan<- *lineJob) {
	j.sends++
	j.logged = make(chan struct{})
	var once sync.Once
	logged := func() { once.Do(func() { close(j.logged) }) }
	pause := time.Duration(0)
	if j.sends > 1 {
		pause = min(time.Duration(j.sends-1)*250*time.Millisecond, 4*time.Second)
	}
	go func() {
		defer logged()
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
		if ctx.Err() != nil {
			j.entries = cancelledEntries(j.targets)
			results <- j
			return
		}
		n := 0
		j.entries, j.err = b.eng.TranslateAll(ctx, j.req, j.targets, func(ev model.Event) {
			if ev.Kind == model.EventLogged {
				if n++; n == len(j.targets) {
					logged()
				}
			}
			if ev.Kind == model.EventError && ev.Err != nil && ev.Err.Class == model.ClassRateLimit && j.sends < maxSends {
				return // sent again: its turn in the line's output stays open
			}
			j.line.event(ev)
		})
		results <- j // buffered for every line in flight: never blocks
	}()
	if j.sends == 1 {
		<-j.logged
	}
}

// again readies a line whose rate-limited targets are sent again; targets already done
// keep their entries and their text. The line's output goes on where it was: the final
// event of a rate-limited target was held back (see start), so that target's turn is
// still open.
func (j *lineJob) again() {
	var retry []model.Language
	for _, e := range j.entries {
		if e.Status == model.StatusDone || e.ErrorClass != model.ClassRateLimit {
			j.kept = append(j.kept, e)
			continue
		}
		retry = append(retry, e.To)
	}
	if len(j.kept) > 0 && j.req.Group == 0 {
		j.req.Group = j.kept[0].Group
	}
	j.targets, j.entries = retry, nil
}

// cancelledEntries stands for a line the batch stopped before it was sent again.
func cancelledEntries(targets []model.Language) []model.Entry {
	out := make([]model.Entry, len(targets))
	for i, to := range targets {
		out[i] = model.Entry{To: to, Status: model.StatusCancelled, ErrorClass: model.ClassCancelled}
	}
	return out
}

// merged is the line's entries in the order of targets, done ones from earlier sends kept.
func (j *lineJob) merged(targets []model.Language) []model.Entry {
	all := append(slices.Clone(j.kept), j.entries...)
	out := make([]model.Entry, 0, len(targets))
	for _, to := range targets {
		for _, e := range all {
			if e.To == to {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

func (j *lineJob) rateLimited() bool {
	for _, e := range j.entries {
		if e.ErrorClass == model.ClassRateLimit {
			return true
		}
	}
	return false
}

func (j *lineJob) fatal() bool {
	for _, e := range j.entries {
		if e.Status != model.StatusDone && e.ErrorClass.Fatal() {
			return true
		}
	}
	return false
}

func (j *lineJob) cancelled() bool {
	for _, e := range j.entries {
		if e.Status == model.StatusCancelled {
			return true
		}
	}
	return false
}

// writeOut ends line j's output, now that every line before it is written, and says what
// it needs said. A line cancelled by the stop of the batch says nothing: the line that
// stopped it does.
func (b *batch) writeOut(j *lineJob) (problems []string, fatal bool) {
	if j.cut {
		if j.buf.isLive() {
			_ = j.line.finish(nil)
		}
		return nil, false
	}
	_ = j.line.finish(j.entries)
	problems, fatal = lineReport(b.con.stderr(), j.entries, len(b.targets) > 1)
	b.con.lineDone(len(problems) > 0)
	return problems, fatal
}

// stopped tells, in JSON mode, which lines a stopped batch left: never sent, or cancelled
// in flight.
func (b *batch) stopped(fatal string, unsent []int, cut []lineRecord) {
	if !b.asJSON {
		return
	}
	ev := stoppedEvent{Type: "stopped", Error: fatal, Unsent: []lineRecord{}, Cancelled: cut}
	for _, i := range unsent {
		ev.Unsent = append(ev.Unsent, lineRecord{Line: i + 1, Source: b.sources[i].text})
	}
	if ev.Cancelled == nil {
		ev.Cancelled = []lineRecord{}
	}
	b.con.event(ev)
}
