package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestTranslateRefusesBadRequests(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		body       string
		headers    []string
		wantStatus int
		wantCode   string
		wantMsg    string // a part of the message
	}{
		{"bad json", "", `{"lang": "ko-KR", "message": `, nil, 400, "bad_json", "not valid JSON"},
		{"trailing garbage", "", hello + "x", nil, 400, "bad_json", "not valid JSON"},
		{"lang not a string", "", `{"lang": 5, "message": "hi"}`, nil, 400, "bad_json", "lang must be a string"},
		{"invalid utf-8 body", "", "{\"lang\":\"ko-KR\",\"message\":\"\xff\xfe\"}", nil, 400, "bad_json", "UTF-8"},
		{"missing lang", "", `{"message": "hi"}`, nil, 400, "invalid_lang", "lang is missing"},
		{"bad lang", "", `{"lang": "korea", "message": "hi"}`, nil, 400, "invalid_lang", "nearest: "},
		{"auto lang", "", `{"lang": "auto", "message": "hi"}`, nil, 400, "invalid_lang", "not auto"},
		{"bad from", "", `{"lang": "ko", "from": "xx-yy-zz", "message": "hi"}`, nil, 400, "invalid_lang", "from: invalid language tag"},
		{"missing message", "", `{"lang": "ko-KR"}`, nil, 400, "invalid_message", "missing"},
		{"empty message", "", `{"lang": "ko-KR", "message": ""}`, nil, 400, "invalid_message", "empty input"},
		{"blank message", "", `{"lang": "ko-KR", "message": " \n\t"}`, nil, 400, "invalid_message", "empty input"},
		{"message over MaxInput", "", `{"lang": "ko-KR", "message": "` + strings.Repeat("a", 101) + `"}`, nil, 413, "message_too_large", "over the limit of 100 B"},
		{"body over MaxBody", "", `{"lang": "ko-KR", "message": "` + strings.Repeat("a", 600) + `"}`, nil, 413, "body_too_large", "512 B"},
		{"empty script id", "", hello, []string{"x-script-id", " "}, 400, "invalid_script_id", "empty"},
		{"long script id", "", hello, []string{"x-script-id", strings.Repeat("s", 129)}, 400, "invalid_script_id", "129 characters"},
		{"script id with escape", "", hello, []string{"x-script-id", "a\u009bb"}, 400, "invalid_script_id", "non-printing"},
		{"script id with bidi override", "", hello, []string{"x-script-id", "a\u202eb"}, 400, "invalid_script_id", "non-printing"},
		{"script id with double space", "", hello, []string{"x-script-id", "a  b"}, 400, "invalid_script_id", "spaces"},
		{"two script ids", "", hello, []string{"x-script-id", "a", "x-script-id", "b"}, 400, "invalid_script_id", "more than once"},
		{"text/plain", "", hello, []string{"Content-Type", "", "Content-Type", "text/plain"}, 415, "unsupported_media_type", "application/json"},
		{"form", "", hello, []string{"Content-Type", "", "Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", "application/json"},
		{"latin-1 json", "", hello, []string{"Content-Type", "", "Content-Type", "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type", "UTF-8"},
		{"GET", http.MethodGet, "", nil, 405, "method_not_allowed", "use POST"},
		{"PUT", http.MethodPut, hello, nil, 405, "method_not_allowed", "use POST"},
	}
	e := newEnv(t, Config{MaxBody: 512, MaxInput: 100, RatePerMinute: -1}, llmtest.Replay(llmtest.Stream("stop", "x")))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.method == "" {
				resp = e.post(t, tt.body, tt.headers...)
			} else {
				req, err := http.NewRequest(tt.method, e.srv.URL+"/translate", strings.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if resp, err = e.srv.Client().Do(req); err != nil {
					t.Fatal(err)
				}
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d %q: %s, want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.wantStatus)
			}
			got := apiError(t, body)
			if got.Code != tt.wantCode || !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("error %+v, want code %s with %q", got, tt.wantCode, tt.wantMsg)
			}
			if tt.wantStatus == 405 && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}
	if n := e.up.Count(); n != 0 {
		t.Errorf("%d refused requests reached the upstream", n)
	}
	if list, err := e.store.Entries(t.Context(), model.LocalOwner, model.EntryQuery{}); err != nil || len(list) != 0 {
		t.Errorf("refused requests were logged: %d entries, %v", len(list), err)
	}
}

func TestTranslateAcceptsLenientContentTypes(t *testing.T) {
	tests := []struct {
		name string
		ct   string
	}{
		{"missing", ""},
		{"charset", "application/json; charset=UTF-8"},
		{"upper case", "Application/JSON"},
	}
	e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", "ok")))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{"Content-Type", ""}
			if tt.ct != "" {
				headers = append(headers, "Content-Type", tt.ct)
			}
			if got := rebuild(mustEvents(t, e.post(t, hello, headers...))); got.Text != "ok" || !got.Done {
				t.Errorf("rebuilt %+v", got)
			}
		})
	}
}

func TestTranslateBadLanguageNamesTheNearestTags(t *testing.T) {
	e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", "x")))
	resp := e.post(t, `{"lang": "ko-KX-zz", "message": "hi"}`)
	got := apiError(t, readAll(t, resp))
	if resp.StatusCode != 400 || !strings.Contains(got.Message, `"ko-KX-zz"`) || !strings.Contains(got.Message, "nearest: ko") {
		t.Errorf("%d %+v, want 400 naming the input and the nearest tags", resp.StatusCode, got)
	}
}
