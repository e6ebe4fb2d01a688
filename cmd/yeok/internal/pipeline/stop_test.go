package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// TestRunStoresAStoppedStreamAsItsCauseSays: a stream whose context ends is stored
// cancelled with its partial text, unless the context ended with a *model.Error, which
// then says how the stream ended (a server shutting down interrupts it).
func TestRunStoresAStoppedStreamAsItsCauseSays(t *testing.T) {
	shutdown := &model.Error{Class: model.ClassInterrupted, Message: "the server is shutting down"}
	tests := []struct {
		name      string
		cause     error
		status    model.Status
		class     model.ErrorClass
		errorText string
	}{
		{"plain cancel", nil, model.StatusCancelled, model.ClassCancelled, "cancelled"},
		{"another cause", errors.New("the client went away"), model.StatusCancelled, model.ClassCancelled, "cancelled"},
		{"shutdown", shutdown, model.StatusInterrupted, model.ClassInterrupted, "the server is shutting down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "y.db"), storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// The answer is held open after its first delta until the engine hangs up.
			up := llmtest.New(t, llmtest.Hold(nil, "half of it"))
			eng, err := openai.New(openai.Config{BaseURL: up.BaseURL(), APIKey: llmtest.Key, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancelCause(t.Context())
			defer stop(nil)
			e, err := (&Runner{Store: st, Engine: eng}).Run(ctx, model.Request{Owner: model.LocalOwner, Source: "Half", To: "ko"},
				func(_ model.Entry, ev model.Event) {
					if ev.Kind == model.EventDelta {
						stop(tt.cause)
					}
				})
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Entry(t.Context(), model.LocalOwner, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || got.ErrorClass != tt.class || got.Error != tt.errorText || got.Text != "half of it" {
				t.Fatalf("stored %s %q (%s: %q), want %s %q (%s: %q)", got.Status, got.Text, got.ErrorClass, got.Error,
					tt.status, "half of it", tt.class, tt.errorText)
			}
		})
	}
}
