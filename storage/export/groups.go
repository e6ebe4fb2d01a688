package export

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yeok/yeok/model"
)

// grouped reports whether some entry went into several targets with others (model.Entry.Group).
func grouped(entries []model.Entry) bool {
	return slices.ContainsFunc(entries, func(e model.Entry) bool { return e.Group != 0 })
}

// Targets lists the targets of entries, each once, in the order they first appear.
func Targets(entries []model.Entry) []model.Language {
	var out []model.Language
	for _, e := range entries {
		if !slices.Contains(out, e.To) {
			out = append(out, e.To)
		}
	}
	return out
}

// Gather moves the entries of each group (a line sent into several targets) to where the
// group's first entry is, in the order of their ids, keeping every other entry where it
// is: a line is written as one even when another entry was logged between its targets'.
func Gather(entries []model.Entry) []model.Entry {
	if !grouped(entries) {
		return entries
	}
	members := map[uint64][]model.Entry{}
	for _, e := range entries {
		if e.Group != 0 {
			members[e.Group] = append(members[e.Group], e)
		}
	}
	out := make([]model.Entry, 0, len(entries))
	for _, e := range entries {
		switch {
		case e.Group == 0:
			out = append(out, e)
		case members[e.Group] != nil:
			group := members[e.Group]
			slices.SortStableFunc(group, func(a, b model.Entry) int { return cmp.Compare(a.ID, b.ID) })
			out = append(out, group...)
			members[e.Group] = nil
		}
	}
	return out
}

// lineBuffer collects the entries of one line as an encoder receives them, one entry and
// the next at a time: the entries of a group arrive next to each other (see Gather).
type lineBuffer struct{ line []model.Entry }

// add takes e and returns the whole line once e is its last entry, else nil.
func (b *lineBuffer) add(e model.Entry, next *model.Entry) []model.Entry {
	b.line = append(b.line, e)
	if e.Group != 0 && next != nil && next.Group == e.Group {
		return nil
	}
	line := b.line
	b.line = nil
	return line
}

// ForTarget keeps the entries into to, in their order.
func ForTarget(entries []model.Entry, to model.Language) []model.Entry {
	var out []model.Entry
	for _, e := range entries {
		if e.To == to {
			out = append(out, e)
		}
	}
	return out
}

// TargetPath names the file of one target's export beside path: the tag goes before the
// extension ("talk.srt" gives "talk.ko-KR.srt"), or at the end when there is none.
func TargetPath(path string, to model.Language) string {
	ext := filepath.Ext(path)
	if ext == path || strings.HasSuffix(path, string(filepath.Separator)+ext) {
		ext = "" // ".srt" alone, or a hidden file's name: no extension to keep
	}
	return strings.TrimSuffix(path, ext) + "." + to.String() + ext
}
