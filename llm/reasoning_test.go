package llm_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestTranslateHidesReasoning sends answers that start with a <think> block through the
// engine, the block cut between two deltas at every rune position: the stored entry keeps
// the raw text, its clean text is the answer alone, and no event's Show ever carries a
// byte of the reasoning.
func TestTranslateHidesReasoning(t *testing.T) {
	const reasoning = "<think>The user wants Korean. 좋은 아침 fits.</think>"
	tests := []struct {
		name, answer, finish, clean string
		status                      model.Status
		flags                       []model.Flag
	}{
		{"whole", reasoning + "\n\n좋은 아침입니다", "stop", "좋은 아침입니다", model.StatusDone, nil},
		{"only reasoning", reasoning + "\n", "stop", "", model.StatusDone, []model.Flag{model.FlagReasoningOnly}},
		{"unterminated", "<think>The user wants Korean. 좋은", "stop", "", model.StatusDone, []model.Flag{model.FlagReasoningOnly}},
		{"cut inside the reasoning", "<think>The user wants", "", "", model.StatusInterrupted, []model.Flag{model.FlagReasoningOnly}},
		{"cut after it", reasoning + "좋은 아", "", "좋은 아", model.StatusInterrupted, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cuts []int
			for i := range tt.answer {
				cuts = append(cuts, i)
			}
			cuts = append(cuts, len(tt.answer))
			handlers := make([]http.HandlerFunc, len(cuts))
			for k, i := range cuts {
				handlers[k] = llmtest.Replay(llmtest.Stream(tt.finish, tt.answer[:i], tt.answer[i:]))
			}
			r := newRig(t, nil, handlers...)
			for _, i := range cuts {
				var show strings.Builder
				e, err := r.eng.Translate(t.Context(), request("Good morning"), func(ev model.Event) { show.WriteString(ev.Show) })
				if err != nil {
					t.Fatal(err)
				}
				got := r.stored(t, e.ID)
				if got.Text != tt.answer || got.Clean != tt.clean || got.Status != tt.status || !slices.Equal(got.Flags, tt.flags) {
					t.Fatalf("cut at %d: stored text %q clean %q status %s flags %q", i, got.Text, got.Clean, got.Status, got.Flags)
				}
				if show.String() != tt.clean {
					t.Fatalf("cut at %d: shown %q, want %q", i, show.String(), tt.clean)
				}
			}
		})
	}
}

// TestTranslateReasoningEveryDelta streams the reasoning one rune a delta.
func TestTranslateReasoningEveryDelta(t *testing.T) {
	answer := "<think>I think, therefore</think>\n좋은 아침입니다"
	var deltas []string
	for s := answer; s != ""; {
		_, n := utf8.DecodeRuneInString(s)
		deltas, s = append(deltas, s[:n]), s[n:]
	}
	r := newRig(t, nil, llmtest.Deltas(deltas...))
	var shows []string
	e, err := r.eng.Translate(t.Context(), request("Good morning"), func(ev model.Event) {
		if ev.Show != "" {
			shows = append(shows, ev.Show)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(shows, ""); got != "좋은 아침입니다" || e.Clean != "좋은 아침입니다" || e.Display() != "좋은 아침입니다" {
		t.Fatalf("shown %q, clean %q, display %q", shows, e.Clean, e.Display())
	}
}
