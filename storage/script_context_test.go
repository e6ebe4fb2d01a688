package storage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// TestScriptContextReadsAsTheTwoCallsDo: ScriptContext gives what ScriptPairs and Script
// give one after the other, for a script with a record and entries in two targets, for a
// script known only from its entries, and for one that does not exist.
func TestScriptContextReadsAsTheTwoCallsDo(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	owner := model.LocalOwner
	ko, fr := model.MustLanguage("ko"), model.MustLanguage("fr")
	glossary := []model.GlossaryTerm{{Term: "entropy", Translation: "엔트로피"}}
	if err := s.PutScript(ctx, model.Script{Owner: owner, ID: "talk", Glossary: glossary}); err != nil {
		t.Fatal(err)
	}
	statuses := []model.Status{model.StatusDone, model.StatusFailed, model.StatusDone, model.StatusDone, model.StatusPending}
	for _, script := range []string{"talk", "untitled"} {
		for i, st := range statuses {
			for _, to := range []model.Language{ko, fr} {
				e, err := s.Begin(ctx, model.Request{Owner: owner, ScriptID: script, Source: fmt.Sprint("line ", i), To: to})
				if err != nil {
					t.Fatal(err)
				}
				if st == model.StatusPending {
					continue
				}
				e.Apply(model.Result{Status: st, Text: fmt.Sprint(to, " ", i)}, time.Now())
				if _, err := s.Finish(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, script := range []string{"talk", "untitled", "none"} {
		for _, n := range []int{0, 2, 10} {
			t.Run(fmt.Sprint(script, "/", n), func(t *testing.T) {
				pairs, sc, found, err := s.ScriptContext(ctx, owner, script, fr, n)
				if err != nil {
					t.Fatal(err)
				}
				wantPairs, err := s.ScriptPairs(ctx, owner, script, fr, n)
				if err != nil {
					t.Fatal(err)
				}
				wantSC, err := s.Script(ctx, owner, script)
				if err != nil && script != "none" {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(pairs, wantPairs) || found != (err == nil) || !reflect.DeepEqual(sc, wantSC) {
					t.Fatalf("ScriptContext = %+v, %+v, %v; want %+v, %+v, %v", pairs, sc, found, wantPairs, wantSC, err == nil)
				}
				if n == 10 && script != "none" && len(pairs) != 3 {
					t.Fatalf("%d pairs, want the 3 done ones into fr", len(pairs))
				}
			})
		}
	}
}
