package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/ui"
)

// largeStore is the history the start-up benchmarks open: finished entries spread evenly
// over sessions, in time order, as years of use would leave them.
type largeStore struct {
	sessions, entries int
}

// build fills a new store at path through the public API, one commit per NewSession,
// Begin and Finish as the app makes them, and closes it. It writes on tmpfs when the
// machine has one (fsync there costs nothing, so 200,000 commits take seconds instead of
// minutes) and then copies the file to path, so that it is read from the same disk as a
// real one.
func (f largeStore) build(tb testing.TB, path string) {
	tb.Helper()
	start := time.Now()
	work := path
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "yeok-bench-")
		if err == nil {
			defer os.RemoveAll(dir)
			work = filepath.Join(dir, "yeok.db")
		}
	}
	ctx := context.Background()
	st := openTUIStore(tb, work)
	per := f.entries / f.sessions
	for s := range f.sessions {
		sess, err := st.NewSession(ctx, model.LocalOwner, model.Session{Origin: "tui"})
		if err != nil {
			tb.Fatalf("NewSession: %v", err)
		}
		for i := range per {
			if err := finishOne(ctx, st, sess.ID, s*per+i); err != nil {
				tb.Fatalf("session %d: %v", sess.ID, err)
			}
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	if work != path {
		if err := copyFile(work, path); err != nil {
			tb.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %d entries in %d sessions in %v (%d MiB)", f.entries, f.sessions,
		time.Since(start).Round(time.Millisecond), fi.Size()>>20)
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// finishOne logs and finishes the n-th entry of the history.
func finishOne(ctx context.Context, st *storage.Store, session uint64, n int) error {
	e, err := st.Begin(ctx, model.Request{
		Owner: model.LocalOwner, SessionID: session, To: model.MustLanguage("ko-KR"), Model: "gpt-4o-mini",
		Source: fmt.Sprintf("Line %d of the lecture: the quick brown fox jumps over the lazy dog.", n),
	})
	if err != nil {
		return fmt.Errorf("begin %d: %w", n, err)
	}
	e.Apply(model.Result{
		Status: model.StatusDone, Finish: "stop",
		Text:       fmt.Sprintf("강의 %d번째 줄: 빠른 갈색 여우가 게으른 개를 뛰어넘는다.", n),
		Usage:      model.Usage{PromptTokens: 40, CompletionTokens: 30, TotalTokens: 70},
		FirstToken: 200 * time.Millisecond, Duration: time.Second,
	}, time.Now())
	if _, err := st.Finish(ctx, e); err != nil {
		return fmt.Errorf("finish %d: %w", n, err)
	}
	return nil
}

// startApp is what a start costs up to the first frame with the history in it: open the
// store, build the app, run Init's load commands (concurrently, as the program does), give
// it the window size and their results, and draw. The caller closes the store.
func startApp(ctx context.Context, path, baseURL string) (string, *storage.Store, error) {
	st, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		return "", nil, err
	}
	c := config{BaseURL: baseURL, APIKey: fakeKey, Model: "gpt-4o-mini"}
	p, err := newProvider(c, nil)
	if err != nil {
		_ = st.Close()
		return "", nil, err
	}
	var m tea.Model = ui.New(tuiConfig(ctx), newEngine(c, p, st), st)
	msgs := runCmd(m.Init())
	m, _ = m.Update(tea.WindowSizeMsg{Width: tuiWidth, Height: tuiHeight})
	for _, msg := range msgs {
		m, _ = m.Update(msg)
	}
	return m.View(), st, nil
}

// runCmd runs cmd as a program would, batches concurrently, and returns the messages.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	batch, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	out := make([][]tea.Msg, len(batch))
	var wg sync.WaitGroup
	for i, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = runCmd(c)
		}()
	}
	wg.Wait()
	var msgs []tea.Msg
	for _, ms := range out {
		msgs = append(msgs, ms...)
	}
	return msgs
}

// procStatus reads a field in kB (VmRSS, VmHWM) from /proc/<pid>/status as MiB.
func procStatus(pid, field string) (float64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		if err != nil {
			return 0, fmt.Errorf("parse %s %q: %w", field, rest, err)
		}
		return float64(kb) / 1024, nil
	}
	return 0, fmt.Errorf("no %s in /proc/%s/status", field, pid)
}
