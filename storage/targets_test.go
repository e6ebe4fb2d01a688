package storage

import (
	"context"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

// TestScriptPairsPerTarget: a script whose lines go into two languages keeps one context
// per target, and the entries of one line keep their shared request id.
func TestScriptPairsPerTarget(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const group = 42
	for i, src := range []string{"one", "two", "three"} {
		translate(t, s, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: korean, Group: group + uint64(i)}, model.StatusDone, "ko "+src)
		translate(t, s, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: french, Group: group + uint64(i)}, model.StatusDone, "fr "+src)
	}
	ko, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []model.Pair{{Source: "two", Translation: "ko two"}, {Source: "three", Translation: "ko three"}}; !slices.Equal(ko, want) {
		t.Fatalf("Korean pairs %+v, want %+v", ko, want)
	}
	fr, _ := s.ScriptPairs(ctx, ownerA, "talk", french, 5)
	if len(fr) != 3 || fr[0].Translation != "fr one" {
		t.Fatalf("French pairs %+v", fr)
	}
	es, err := s.Entries(ctx, ownerA, model.EntryQuery{ScriptID: "talk", Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 || es[0].Group != group || es[1].Group != group || es[5].Group != group+2 {
		t.Fatalf("groups %+v", es)
	}
	// The script keeps the first target of its newest line, not the last one logged.
	if sc, err := s.Script(ctx, ownerA, "talk"); err != nil || sc.To != korean {
		t.Fatalf("script languages %+v, %v", sc, err)
	}
}
