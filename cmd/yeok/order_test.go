package main

import (
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

// A batch sends every line in input order without a slice as long as the input when no
// line is skipped, and only the lines left to do, in order, when some are done.
func TestBatchOrder(t *testing.T) {
	ko, de := model.MustLanguage("ko"), model.MustLanguage("de")
	sources := make([]source, 5)
	b := &batch{targets: []model.Language{ko, de}, sources: heldLines(sources)}
	if allocs := testing.AllocsPerRun(10, func() { _ = b.order() }); allocs != 0 {
		t.Errorf("order of a batch that skips nothing allocates %v times", allocs)
	}
	sent := func(o lineOrder) []int {
		var lines []int
		for k := range o.len() {
			lines = append(lines, o.at(k))
		}
		return lines
	}
	if got := sent(b.order()); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("every line: sent %v", got)
	}
	b.done = [][]model.Language{{ko, de}, {ko}, nil, {de, ko}, {de}}
	if got := sent(b.order()); !slices.Equal(got, []int{1, 2, 4}) {
		t.Errorf("lines 0 and 3 done: sent %v", got)
	}
	b.done = [][]model.Language{{ko, de}, {ko, de}, {ko, de}, {ko, de}, {ko, de}}
	if n := b.order().len(); n != 0 {
		t.Errorf("every line done: %d sent", n)
	}
}
