package ui

import (
	"github.com/yeok/yeok/model"
)

// flagLines are the warnings under a finished entry, wrapped to width, in the words
// model.DescribeFlags gives them. The newest entry with glossary misses says that Ctrl+R
// retries with the terms spelled out.
func (b *block) flagLines(width int, last bool, lk look) []string {
	e := b.entry
	warnings := model.DescribeFlags(e.Flags, e.To)
	if len(warnings) == 0 {
		return nil
	}
	if last && len(model.MissedTerms(e.Flags)) > 0 {
		warnings[0] += " · " + lk.keys.Retry.Help().Key + " retry with the glossary"
	}
	var out []string
	for _, w := range warnings {
		for _, l := range wrapText("⚠ "+w, width) {
			out = append(out, lk.st.MetaWarn.Render(l))
		}
	}
	return out
}
