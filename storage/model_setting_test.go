package storage

import (
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/model"
)

func TestPickedModelPerOwner(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "y.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.PickedModel(ctx, model.LocalOwner); err != nil || got != "" {
		t.Fatalf("before any pick: %q, %v", got, err)
	}
	if err := st.PickModel(ctx, model.LocalOwner, "llama3.2"); err != nil {
		t.Fatal(err)
	}
	if err := st.PickModel(ctx, "http:alice", "qwen2.5"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for owner, want := range map[model.Owner]string{model.LocalOwner: "llama3.2", "http:alice": "qwen2.5", "http:bob": ""} {
		if got, err := st.PickedModel(ctx, owner); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", owner, got, err, want)
		}
	}
}
