package model

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// NearMatch is the similarity (see Similarity) from which an earlier translation of
// another source is given to the model as a hint; below it, it is not.
const NearMatch = 0.85

// Recollection is what the translation memory holds for a request: an earlier entry of the
// same owner into the same target whose source is the same once normalised (Similarity 1),
// or, when there is none, the most similar one from NearMatch up. The zero value means none.
type Recollection struct {
	Entry      Entry
	Similarity float64
}

// Exact reports whether the recollection is of the same source, to be reused as it is.
func (r Recollection) Exact() bool { return r.Entry.ID != 0 && r.Similarity >= 1 }

// Near reports whether the recollection is of a similar source, to be given as a hint.
func (r Recollection) Near() bool {
	return r.Entry.ID != 0 && r.Similarity >= NearMatch && r.Similarity < 1
}

// NormalizeSource is the form in which the translation memory compares sources: full- and
// half-width forms folded, lower case, runs of white space as one space, trimmed.
func NormalizeSource(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Similarity compares two normalised sources by characters: 1 minus their edit distance
// (in runes) over the longer one's length, so 1 is the same text and 0 nothing in common.
func Similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	// A difference in length alone caps the similarity: skip the distance when it cannot
	// reach NearMatch.
	if d := len(ra) - len(rb); float64(max(d, -d)) > float64(n)*(1-NearMatch) {
		return 1 - float64(max(d, -d))/float64(n)
	}
	return 1 - float64(runeDistance(ra, rb))/float64(n)
}

// runeDistance is the Levenshtein distance between two rune slices.
func runeDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
