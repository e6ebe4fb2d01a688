package main

import (
	"context"
	"fmt"
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

// batch translates the lines of a complete input with up to parallel requests in flight,
// each one line or, with lines above 1, up to that many lines in one request (see
// llm.Engine.TranslateBatch). Requests start in input order, each logged before the next
// starts, so the store holds the lines in input order; stdout gets them in input order
// too, the first line not yet written out streaming live and the others held until their
// turn.
//
// A request that ends rate limited (429 after the provider's own retries) is sent again
// into the same pending entries, after a pause, and no new request starts until fewer
// than half as many are in flight; the number recovers by one after each recoverAfter
// lines in a row that were not. A line that ends with a fatal error class stops the
// batch: requests in flight are cancelled and no other starts.
type batch struct {
	eng     *llm.Engine
	base    model.Request
	targets []model.Language
	sources *sourceLines
	// done holds, for --resume and --retranslate, the targets each line is not to go
	// into; nil when every line goes into every target (a long input keeps no slice).
	done      [][]model.Language
	parallel  int
	preceding int
	// lines is how many lines one request carries (--batch); 0 or 1: one.
	lines    int
	con      *console
	asJSON   bool
	sanitise bool
}

// lineJob is one source line of a batch and what became of it.
type lineJob struct {
	index   int
	req     model.Request
	buf     *lineBuffer
	line    *lineOutput
	targets []model.Language // the targets this line goes into
	entries []model.Entry
	// ready: back for good (set by the batch's own goroutine only).
	ready bool
	// cut: cancelled because another line stopped the batch.
	cut bool
}

// unit is one request in flight: a line into its targets, or the lines of a batch.
type unit struct {
	jobs   []*lineJob
	logged chan struct{}
	err    error
	// sends counts the sends that ended rate limited (the batch's goroutine only).
	sends int
}

// waitTurn is a unit whose send ended rate limited, waiting to be told whether it goes
// again.
type waitTurn struct {
	u     *unit
	reply chan bool
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
	order := b.order()
	results := make(chan *unit, b.parallel)
	turns := make(chan waitTurn)
	jobs := make(map[int]*lineJob, b.parallel*max(1, b.lines))
	var (
		next, head, inFlight int
		limit, streak        = b.parallel, 0
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
		for !stopped && logErr == nil && inFlight < limit && next < order.len() {
			u := &unit{}
			for n := b.unitSize(order.len()-next, limit-inFlight); n > 0 && next < order.len(); n-- {
				j, err := b.newJob(order.at(next))
				if err != nil {
					// A line that cannot be read again stops the batch as a log failure
					// does; the lines of this request are left unsent.
					logErr, stopped = err, true
					cancel(batchStop)
					for _, j := range u.jobs {
						delete(jobs, j.index)
					}
					next -= len(u.jobs)
					break
				}
				jobs[j.index] = j
				u.jobs = append(u.jobs, j)
				next++
			}
			if logErr != nil {
				break
			}
			if u.jobs[0].index == order.at(head) {
				_ = u.jobs[0].buf.goLive()
			}
			inFlight++
			b.start(ctx, u, results, turns)
		}
		if inFlight == 0 {
			break
		}
		var u *unit
		select {
		case u = <-results:
		case w := <-turns:
			limit, streak = max(1, limit/2), 0
			if w.u.sends++; stopped || w.u.sends >= maxSends {
				w.reply <- false // sent maxSends times: it counts as failed
				continue
			}
			pause := min(time.Duration(w.u.sends)*250*time.Millisecond, 4*time.Second)
			time.AfterFunc(pause, func() { w.reply <- true })
			continue
		case <-tick:
			b.con.redraw()
			continue
		}
		inFlight--
		if u.err != nil {
			logErr = u.err
			stopped = true
			cancel(batchStop)
			continue
		}
		for _, j := range u.jobs {
			switch {
			case stopped && j.cancelled():
				j.cut = true
				cut = append(cut, lineRecord{Line: j.index + 1, Source: j.req.Source})
			case j.fatal():
				stopped = true
				cancel(batchStop)
			case j.rateLimited():
				streak = 0
			default:
				if streak++; streak >= recoverAfter && limit < b.parallel {
					limit, streak = limit+1, 0
				}
			}
			j.ready = true
		}
		for head < order.len() {
			h := jobs[order.at(head)]
			if h == nil || !h.ready {
				break
			}
			got, bad := b.writeOut(h)
			switch {
			case bad && fatal == "" && len(got) > 0:
				fatal, got = got[len(got)-1], got[:len(got)-1]
			case bad && len(got) > 0:
				got = got[:len(got)-1] // the batch's lines failed alike: said once
			}
			problems = append(problems, got...)
			delete(jobs, h.index)
			head++
			if head < order.len() && jobs[order.at(head)] != nil {
				if err := jobs[order.at(head)].buf.goLive(); err != nil {
					return problems, fatal, fmt.Errorf("write output: %w", err)
				}
			}
		}
	}
	if logErr != nil {
		return problems, fatal, logErr
	}
	if stopped {
		b.stopped(fatal, order, next, cut)
	}
	return problems, fatal, nil
}

// lineOrder is the lines a batch sends, in input order: every line (skip is nil), or
// those left after the lines done before are skipped.
type lineOrder struct {
	n    int
	skip []int // the lines sent, when some are not
}

// order is the lines b sends. A run that skips none keeps no slice as long as the input.
func (b *batch) order() lineOrder {
	if b.done == nil {
		return lineOrder{n: b.sources.len()}
	}
	o := lineOrder{skip: []int{}}
	for i := range b.sources.len() {
		if len(todo(b.targets, b.doneAt(i))) > 0 {
			o.skip = append(o.skip, i)
		}
	}
	o.n = len(o.skip)
	return o
}

func (o lineOrder) len() int { return o.n }

// at is the input line sent k-th.
func (o lineOrder) at(k int) int {
	if o.skip == nil {
		return k
	}
	return o.skip[k]
}

// unitSize is how many of the left lines the next request carries when free requests
// may start now: --batch lines, or fewer so that lines too few to fill every free request
// are shared out among them rather than left to wait behind one long answer.
func (b *batch) unitSize(left, free int) int {
	if b.lines <= 1 {
		return 1
	}
	free = max(1, free)
	return max(1, min(b.lines, (left+free-1)/free))
}

// doneAt is the targets line i is not to go into.
func (b *batch) doneAt(i int) []model.Language {
	if b.done == nil {
		return nil
	}
	return b.done[i]
}

// newJob builds line i's request: the parallel rule adds the source lines before it. An
// error is a line of the input that could not be read again.
func (b *batch) newJob(i int) (*lineJob, error) {
	from := i
	if b.parallel > 1 && b.preceding > 0 {
		from = max(0, i-b.preceding)
	}
	run, err := b.sources.run(from, i+1)
	if err != nil {
		return nil, err
	}
	src := run[len(run)-1]
	req := b.base
	req.Source, req.Cue = src.text, src.cue
	for _, s := range run[:len(run)-1] {
		req.Preceding = append(req.Preceding, s.text)
	}
	j := &lineJob{index: i, req: req, buf: b.con.lineBuffer(), targets: todo(b.targets, b.doneAt(i))}
	p := newEventPrinter(j.buf, b.asJSON)
	if p.stream != nil {
		p.stream.sanitise = b.sanitise
	}
	j.line = p.line(j.targets)
	if p.stream != nil && len(b.targets) > 1 && len(j.targets) == 1 {
		// The one target a resumed line still needs is labelled like the others.
		_ = p.stream.emit(label(j.targets[0]))
	}
	return j, nil
}

// start sends unit u and waits until each of its entries is logged (or it ended
// without), so that lines are stored in input order. A send that ends rate limited asks
// the batch, through turns, whether and when it goes again.
func (b *batch) start(ctx context.Context, u *unit, results chan<- *unit, turns chan<- waitTurn) {
	u.logged = make(chan struct{})
	var once sync.Once
	logged := func() { once.Do(func() { close(u.logged) }) }
	again := func(ctx context.Context, _ *model.Error) bool {
		reply := make(chan bool, 1)
		select {
		case turns <- waitTurn{u: u, reply: reply}:
		case <-ctx.Done():
			return false
		}
		select {
		case ok := <-reply:
			return ok && ctx.Err() == nil
		case <-ctx.Done():
			return false
		}
	}
	want := len(u.jobs)
	if want == 1 {
		want = len(u.jobs[0].targets)
	}
	go func() {
		defer logged()
		n := 0
		seen := func(ev model.Event) {
			if ev.Kind == model.EventLogged {
				if n++; n == want {
					logged()
				}
			}
		}
		if len(u.jobs) == 1 {
			j := u.jobs[0]
			j.entries, u.err = b.eng.TranslateAllWith(ctx, j.req, j.targets, again, func(ev model.Event) {
				seen(ev)
				j.line.event(ev)
			})
		} else {
			reqs := make([]model.Request, len(u.jobs))
			for i, j := range u.jobs {
				reqs[i] = j.req
				reqs[i].To = j.targets[0]
			}
			ents, err := b.eng.TranslateBatch(ctx, reqs, again, func(i int, ev model.Event) {
				seen(ev)
				ev.To = u.jobs[i].targets[0]
				u.jobs[i].line.event(ev)
			})
			for i, j := range u.jobs {
				j.entries = ents[i : i+1]
			}
			u.err = err
		}
		results <- u // buffered for every unit in flight: never blocks
	}()
	<-u.logged
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

// stopped tells, in JSON mode, which lines a stopped batch left: never sent (those order
// sends from next on), or cancelled in flight.
func (b *batch) stopped(fatal string, order lineOrder, next int, cut []lineRecord) {
	if !b.asJSON {
		return
	}
	ev := stoppedEvent{Type: "stopped", Error: fatal, Unsent: []lineRecord{}, Cancelled: cut}
	for k := next; k < order.len(); k++ {
		i := order.at(k)
		ev.Unsent = append(ev.Unsent, lineRecord{Line: i + 1, Source: b.sources.text(i)})
	}
	if ev.Cancelled == nil {
		ev.Cancelled = []lineRecord{}
	}
	b.con.event(ev)
}
