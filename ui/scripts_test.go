package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"

	tea "github.com/charmbracelet/bubbletea"
)

// scriptAnswers are translations in scripts whose width terminals measure per code point,
// long enough to wrap at the widths the tests use.
var scriptAnswers = []struct{ name, source, text string }{
	{"Devanagari", "Thank you for coming today.", "आज आने के लिए धन्यवाद। हम अगली तिमाही की योजना और बजट पर चर्चा करेंगे।"},
	{"Bengali", "Thank you for coming today.", "আজ আসার জন্য ধন্যবাদ। আমরা পরের ত্রৈমাসিকের পরিকল্পনা নিয়ে কথা বলব।"},
	{"Tamil", "Thank you for coming today.", "இன்று வந்ததற்கு நன்றி. அடுத்த காலாண்டின் திட்டம் பற்றிப் பேசுவோம்."},
	{"Thai", "Thank you for coming today.", "ขอบคุณที่มาในวันนี้ เราจะพูดคุยเกี่ยวกับแผนและงบประมาณของไตรมาสหน้า"},
	{"Arabic", "Thank you for coming today.", "شكرا لحضوركم اليوم. سنناقش خطة وميزانية الربع القادم."},
	{"Hebrew", "Thank you for coming today.", "תודה שבאתם היום. נדון בתוכנית ובתקציב של הרבעון הבא."},
	{"Emoji", "Family, thumbs up, Korea.", "👨‍👩‍👧 가족 👍🏽 좋아요 🇰🇷 한국 ❤️ 👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦"},
	{"CJK", "Thank you for coming today.", "今日はお越しいただきありがとうございます。感谢大家今天参加会议。"},
}

func TestViewScripts(t *testing.T) {
	for _, tc := range scriptAnswers {
		t.Run(tc.name, func(t *testing.T) {
			m := sized(newTestModel(t), 30, 16)
			m = finished(m, tc.source, doneResult(tc.text))
			checkGolden(t, m)
		})
	}
}

func TestViewPickerHindi(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, tea.KeyMsg{Type: tea.KeyCtrlT})
	m = step(m, typeKeys("hindi")...)
	checkGolden(t, m)
	if !strings.Contains(m.View(), "Translate into") {
		t.Errorf("the picker's title is gone:\n%s", m.View())
	}
}

func TestViewStatusHindiFlash(t *testing.T) {
	m := sized(newTestModel(t), 60, 20)
	m.setFlash("target is now Hindi — हिन्दी (hi): हिन्दी हिन्दी हिन्दी हिन्दी हिन्दी", false)
	checkGolden(t, m)
}

func TestViewStalledStream(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "We will discuss the budget for the next quarter.")
	m = frame(m, snapshot{text: "다음 분기 예산에 대해", deltas: 4, firstAt: testNow.Add(-9 * time.Second), lastAt: testNow.Add(-7 * time.Second)})
	checkGolden(t, m)
	if status := m.View(); !strings.Contains(status, "no token for 7s") || strings.Contains(status, "tok/s") {
		t.Errorf("the status bar should say how long the stream has been quiet:\n%s", status)
	}
}

func TestViewLongStatusWraps(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	msg := "exported script lecture-01 to /home/user/yeok-exports/lecture-01-2026-12-07-final.srt (42 cues, 3 warnings)"
	m.setFlash(msg, false)
	checkGolden(t, m)
	if flat := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(flat, "lecture-01-2026-12-07-final.srt (42 cues, 3 warnings)") {
		t.Errorf("the message is not readable in full:\n%s", m.View())
	}
	m = step(m, flashClearMsg{seq: m.flash.seq})
	if strings.Contains(m.View(), "exported") || m.flashHeight != 0 {
		t.Errorf("the message's rows stay after it cleared:\n%s", m.View())
	}
}

func TestViewTinyStreamingStatus(t *testing.T) {
	m := sized(newTestModel(t), 40, 10)
	m = sendLine(m, "We will discuss the budget for the next quarter.")
	m = frame(m, snapshot{text: "다음 분기 예산에 대해", deltas: 42, firstAt: testNow.Add(-time.Second), lastAt: testNow})
	checkGolden(t, m)
	if !strings.Contains(m.View(), "streaming 42 tok/s") {
		t.Errorf("the state is cut:\n%s", m.View())
	}
}

// TestStreamingIndicKeepsCaret draws the entry in flight, a rune at a time, at many
// widths: the caret after the text goes on the next row when the text fills its row as
// the terminal counts cells, so no row reaches the pane's last column.
func TestStreamingIndicKeepsCaret(t *testing.T) {
	st, keys := DefaultStyles(asciiRenderer()), DefaultKeyMap()
	for _, sample := range scriptAnswers[:3] {
		runes := []rune(sample.text)
		for width := 24; width <= 40; width++ {
			for n := 1; n <= len(runes); n++ {
				b := block{kind: blockEntry, entry: model.Entry{Source: sample.source, To: "hi"},
					live: &liveText{text: string(runes[:n]), phase: phaseStreaming}}
				lines := b.renderLive(width, look{st: &st, keys: &keys})
				if !strings.Contains(strings.Join(lines, "\n"), "▍") {
					t.Fatalf("%s at width %d after %q: no caret: %q", sample.name, width, string(runes[:n]), lines)
				}
				for _, l := range lines {
					if w, sure := textCells(l); w > width || (!sure && w >= width) {
						t.Fatalf("%s at width %d after %q: row %q is %d cells (sure %v)", sample.name, width, string(runes[:n]), l, w, sure)
					}
				}
			}
		}
	}
}

// TestMarkerWithHindiLabel fills a marker rule to the width the terminal draws it.
func TestMarkerWithHindiLabel(t *testing.T) {
	b := block{kind: blockMarker, label: "हिन्दी सत्र"}
	st := DefaultStyles(asciiRenderer())
	for width := 20; width <= 40; width++ {
		lines := b.render(width, false, look{st: &st})
		if w := cellWidth(lines[1]); w != width-1 {
			t.Errorf("width %d: the marker is %d cells, want %d: %q", width, w, width-1, lines[1])
		}
	}
}

// TestViewTypedHindi types Devanagari into the input box: its rows wrap and pad by the
// cells the terminal gives them, so the box keeps its right edge.
func TestViewTypedHindi(t *testing.T) {
	m := sized(newTestModel(t), 40, 12)
	m = step(m, typeKeys("नमस्ते दुनिया हिन्दी हिन्दी हिन्दी हिन्दी नमस्ते दुनिया")...)
	checkGolden(t, m)
	for _, row := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(row, "│") && !strings.HasSuffix(row, "│") {
			t.Errorf("the input box lost its right edge: %q", row)
		}
	}
}
