package ui

import (
	"context"
	"fmt"
	"sync"
)

// lateWrites counts the running store writes the program started: translations, each of
// which the engine finishes in the store even when the session ends first, and the
// settings a person just chose (a target language, a model). They can outlive the
// program: when Config.Ctx ends, Bubble Tea stops at once, and the writes run on. A
// command counts from when it starts running, so that one the program dropped unstarted
// cannot hold Wait up.
type lateWrites struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n is zero; nil before the first add
}

func (w *lateWrites) add() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		w.idle = make(chan struct{})
	}
	w.n++
}

func (w *lateWrites) done() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n--
	if w.n == 0 {
		close(w.idle)
	}
}

func (w *lateWrites) wait(ctx context.Context) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	idle, n := w.idle, w.n
	w.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %d store writes: %w", n, ctx.Err())
	}
}

// Wait returns once the store writes the app started are done, or when ctx ends. A front
// door calls it after the program returns and before it closes the store: when the
// session's context ended mid-answer, the entry is still being finished (as interrupted).
// It may be called on the model given to the program or on the one the program returned.
func (m Model) Wait(ctx context.Context) error { return m.late.wait(ctx) }
