// Package storagetest is the contract every yeok store passes: the behaviour the front
// doors and the engine rely on, written once and run against each backend (bbolt in package
// storage, PostgreSQL in storage/postgres).
package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// Store is what a front door uses of a store: the methods every backend provides.
type Store = storage.Log

// The owners the cases use.
const (
	ownerA model.Owner = "ssh:SHA256:alice"
	ownerB model.Owner = "ssh:SHA256:bob"
)

var (
	korean = model.MustLanguage("ko")
	french = model.MustLanguage("fr")
)

// Run runs every case against stores made by open, a new empty one per case. open closes
// the store when the test ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"BeginFinishRoundTrip", testBeginFinishRoundTrip},
		{"BeginFinishErrors", testBeginFinishErrors},
		{"PendingUntilFinished", testPendingUntilFinished},
		{"EntriesOrderAndPaging", testEntriesOrderAndPaging},
		{"EntriesSearch", testEntriesSearch},
		{"ConcurrentWriters", testConcurrentWriters},
		{"SessionsByActivity", testSessionsByActivity},
		{"SessionCounters", testSessionCounters},
		{"DeleteSession", testDeleteSession},
		{"OwnerIsolation", testOwnerIsolation},
		{"Scripts", testScripts},
		{"DeleteScriptFixesSessions", testDeleteScriptFixesSessions},
		{"ScriptPairsPerTarget", testScriptPairsPerTarget},
		{"ScriptPairsSkipsPendingAndBoundsTheRead", testScriptPairsBounded},
		{"Recents", testRecents},
		{"PickedModelPerOwner", testPickedModelPerOwner},
		{"RecallExactNearAndApproved", testRecall},
		{"RecallOwnersApart", testRecallOwnersApart},
		{"Approve", testApprove},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, open(t))
		})
	}
}

// clock is the time a case gives Apply: UTC to the microsecond, which every backend keeps.
func clock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// translate begins req and finishes it with status and text.
func translate(t testing.TB, s Store, req model.Request, status model.Status, text string) model.Entry {
	t.Helper()
	ctx := context.Background()
	e, err := s.Begin(ctx, req)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	e.Apply(model.Result{Status: status, Text: text, Finish: "stop", Usage: model.Usage{TotalTokens: 7},
		FirstToken: 120 * time.Millisecond, Duration: 800 * time.Millisecond}, clock())
	e, err = s.Finish(ctx, e)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return e
}

// check fails t when the store's invariants do not hold.
func check(t testing.TB, s Store) {
	t.Helper()
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func entryIDs(es []model.Entry) []uint64 {
	var ids []uint64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func sessionIDs(list []model.Session) []uint64 {
	var ids []uint64
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

// found turns a lookup into a count of records seen.
func found[T any](_ T, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return 1, nil
}
