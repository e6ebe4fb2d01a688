package ui

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// rankItems keeps the items matching q (lower case) in any of their names, best first;
// equal scores keep the items' order, so recent languages stay ahead. A query of several
// words matches when every word does ("portuguese brazil").
func rankItems(q string, items []pickItem) []pickItem {
	type scored struct {
		it    pickItem
		score int
	}
	words := strings.Fields(q)
	var hits []scored
	for _, it := range items {
		score := itemScore(q, it)
		if score == 0 && len(words) > 1 {
			score = itemScore(words[0], it)
			for _, w := range words[1:] {
				score = min(score, itemScore(w, it))
			}
		}
		if score > 0 {
			hits = append(hits, scored{it, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]pickItem, len(hits))
	for i, h := range hits {
		out[i] = h.it
	}
	return out
}

// itemScore is the best score of q over the item's names.
func itemScore(q string, it pickItem) int {
	best := 0
	for i, h := range it.hay {
		s := matchScore(q, h)
		if i == 0 && s > 0 {
			s += 5 // the tag itself is the most precise name
		}
		best = max(best, s)
	}
	return best
}

// matchScore rates how well q matches name: exact, prefix, word prefix, substring, then
// in-order subsequence (fuzzy); 0 is no match.
func matchScore(q, name string) int {
	switch {
	case name == "" || q == "":
		return 0
	case name == q:
		return 100
	case strings.HasPrefix(name, q):
		return 80
	case wordPrefix(name, q):
		return 60
	case strings.Contains(name, q):
		return 40
	case subsequence(q, name):
		return 10
	}
	return 0
}

// wordPrefix reports whether a word of name (after a space, dash or bracket) starts with q.
func wordPrefix(name, q string) bool {
	for i := 0; i < len(name); i++ {
		if strings.ContainsRune(" -(", rune(name[i])) && strings.HasPrefix(name[i+1:], q) {
			return true
		}
	}
	return false
}

// subsequence reports whether the runes of q appear in name in order.
func subsequence(q, name string) bool {
	for _, r := range name {
		if q == "" {
			return true
		}
		if c, size := utf8.DecodeRuneInString(q); c == r {
			q = q[size:]
		}
	}
	return q == ""
}
