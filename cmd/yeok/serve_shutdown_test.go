package main

import (
	"bufio"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// TestServeSIGTERMInterruptsHTTPStreams: SIGTERM to `yeok serve --http` while a stream
// is mid-answer ends the client's stream with an error event naming the shutdown, and the
// entry is in the database as interrupted, with its partial text, as README promises.
func TestServeSIGTERMInterruptsHTTPStreams(t *testing.T) {
	// The answer is held open after two deltas until the engine hangs up.
	hold := llmtest.Hold(nil, "부분 ", "번역")
	provider := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) { hold(w, r) })
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	srv := startServe(t, provider, dir, "--http", "127.0.0.1:0", "--db", db, "--to", "ko")

	req, err := http.NewRequest(http.MethodPost, "http://"+srv.httpAddr+"/translate",
		strings.NewReader(`{"lang":"ko-KR","message":"A partial translation"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-script-id", "shutdown")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	body := bufio.NewReader(resp.Body)
	const sent = "data: 부분 \n\ndata: 번역\n\n"
	head := make([]byte, len(sent))
	if _, err := io.ReadFull(body, head); err != nil || string(head) != sent {
		t.Fatalf("the stream began %q (%v), want %q", head, err, sent)
	}

	srv.terminate(t)
	rest, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("reading the end of the stream: %v (read %q)", err, rest)
	}
	if want := "event: error\ndata: interrupted: the server is shutting down\n\n"; string(rest) != want {
		t.Errorf("after SIGTERM the stream ended with %q, want %q", rest, want)
	}

	// Read-only: opening for writing would mark an entry left pending interrupted itself.
	st, err := storage.Open(t.Context(), db, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.Entries(t.Context(), model.LocalOwner, model.EntryQuery{ScriptID: "shutdown"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d entries in the script, want 1: %+v", len(list), list)
	}
	if e := list[0]; e.Status != model.StatusInterrupted || e.Text != "부분 번역" || e.Source != "A partial translation" ||
		!strings.Contains(e.Error, "shutting down") {
		t.Errorf("stored %s %q (%s: %q), want interrupted with the partial, naming the shutdown",
			e.Status, e.Text, e.ErrorClass, e.Error)
	}
}
