package storage

import (
	"fmt"
	"strings"
	"testing"

	"github.com/yeok/yeok/model"
)

// The store keeps the one identifier rule: a script id or glossary term that looks like
// another (an invisible character inside) or is over model.MaxIdentifierLen characters is
// refused, whoever writes it.
func TestScriptIDAndTermRule(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	refused := []string{"a\u3164b", "a\u115fb", "a\u1160b", "a\uffa0b", "a\u034fb", "a\u17b4b", "a\ufe0fb",
		"a\U000e0100b", "a\u2800b", "a\ufffcb", "a\u200bb", "a\u00a0b", strings.Repeat("a", 129)}
	for _, id := range refused {
		t.Run(fmt.Sprintf("%+q", id), func(t *testing.T) {
			if _, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: id, Source: "x", To: korean}); err == nil ||
				!strings.Contains(err.Error(), "script id ") {
				t.Errorf("Begin with script %+q: %v, want refused", id, err)
			}
			if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: id}); err == nil {
				t.Errorf("PutScript %+q accepted", id)
			}
			g := []model.GlossaryTerm{{Term: "GPU", Translation: "그래픽"}, {Term: id, Translation: "x"}}
			if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "talk", Glossary: g}); err == nil ||
				!strings.Contains(err.Error(), "glossary term") {
				t.Errorf("PutScript with the term %+q: %v, want refused", id, err)
			}
		})
	}
	long := strings.Repeat("강", model.MaxIdentifierLen) // 384 bytes, within the limit in characters
	translate(t, s, model.Request{Owner: ownerA, ScriptID: long, Source: "x", To: korean}, model.StatusDone, "y")
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "talk", Glossary: []model.GlossaryTerm{{Term: long, Translation: "x"}}}); err != nil {
		t.Errorf("PutScript with a term of %d characters: %v", model.MaxIdentifierLen, err)
	}
}
