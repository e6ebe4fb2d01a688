package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// An x-script-id with a character that shows as nothing, so that it looks like another id,
// is refused with a line naming the character, on POST /translate and GET /scripts/{id}.
func TestScriptIDInvisibleRefused(t *testing.T) {
	invisible := []rune{0x034f, 0x115f, 0x1160, 0x17b4, 0x3164, 0xffa0, 0x2800, 0xfffc, 0x200b, 0x00a0}
	for r := rune(0xfe00); r <= 0xfe0f; r++ {
		invisible = append(invisible, r)
	}
	for r := rune(0xe0100); r <= 0xe01ef; r += 0x11 {
		invisible = append(invisible, r)
	}
	invisible = append(invisible, 0xe01ef)
	e := newEnv(t, Config{RatePerMinute: -1}, llmtest.Replay(llmtest.Stream("stop", "x")))
	for _, r := range invisible {
		id := "a" + string(r) + "b"
		t.Run(fmt.Sprintf("%U", r), func(t *testing.T) {
			want := fmt.Sprintf("x-script-id contains a control, invisible or non-printing character (%U)", r)
			resp := e.post(t, hello, "x-script-id", id)
			body := readAll(t, resp)
			if got := apiError(t, body); resp.StatusCode != http.StatusBadRequest || got.Code != "invalid_script_id" || got.Message != want {
				t.Errorf("POST with x-script-id %+q: %d %s, want 400 invalid_script_id %q", id, resp.StatusCode, body, want)
			}
			status, _, body := e.get(t, "/scripts/"+url.PathEscape(id))
			if got := apiError(t, body); status != http.StatusBadRequest || got.Message != want {
				t.Errorf("GET /scripts/%+q: %d %s, want 400 %q", id, status, body, want)
			}
		})
	}
	if n := e.up.Count(); n != 0 {
		t.Errorf("%d refused requests reached the upstream", n)
	}
}

// The API and the CLI share one length limit, in characters: 128 Korean characters (384
// bytes) are one id, 129 ASCII ones are not.
func TestScriptIDLimitInCharacters(t *testing.T) {
	e := newEnv(t, Config{RatePerMinute: -1}, llmtest.Replay(llmtest.Stream("stop", "x")))
	long := strings.Repeat("강", model.MaxIdentifierLen)
	if got := rebuild(mustEvents(t, e.post(t, hello, "x-script-id", long))); !got.Done {
		t.Fatalf("x-script-id of %d characters: %+v", model.MaxIdentifierLen, got)
	}
	if list := e.scriptEntries(t, model.LocalOwner, long); len(list) != 1 {
		t.Errorf("the long script has %d entries, want 1", len(list))
	}
	resp := e.post(t, hello, "x-script-id", strings.Repeat("s", model.MaxIdentifierLen+1))
	body := readAll(t, resp)
	if got := apiError(t, body); resp.StatusCode != http.StatusBadRequest || got.Message != "x-script-id is 129 characters, over the limit of 128" {
		t.Errorf("x-script-id of 129 characters: %d %s", resp.StatusCode, body)
	}
}
