package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

func TestRemapKeys(t *testing.T) {
	tests := []struct {
		name    string
		keys    map[string][]string
		wantErr string
	}{
		{"copy and target", map[string][]string{"copy": {"alt+c"}, "target": {"f2", "ctrl+t"}}, ""},
		{"same key in another screen", map[string][]string{"search": {"ctrl+y"}}, ""},
		{"recall beside the rows", map[string][]string{"recall": {"up", "ctrl+p"}}, ""},
		{"unknown action", map[string][]string{"teleport": {"f5"}}, `unknown action "teleport" (actions: send, newline,`},
		{"bound twice", map[string][]string{"copy": {"ctrl+r"}}, `key "ctrl+r" is bound to both retry and copy`},
		{"two remapped", map[string][]string{"copy": {"f3"}, "swap": {"f3"}}, `key "f3" is bound to both copy and swap`},
		{"no key", map[string][]string{"copy": {}}, "copy: name at least one key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			km, err := RemapKeys(DefaultKeyMap(), tt.keys)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range km.actions() {
				if want, ok := tt.keys[a.name]; ok {
					if got := a.binding.Keys(); strings.Join(got, " ") != strings.Join(want, " ") || a.binding.Help().Key != want[0] {
						t.Errorf("%s bound to %v (help %q), want %v", a.name, got, a.binding.Help().Key, want)
					}
				}
			}
		})
	}
}

// The defaults have no key shared inside one screen, and every binding has a name.
func TestDefaultKeysHaveNamesAndNoClash(t *testing.T) {
	if _, err := RemapKeys(DefaultKeyMap(), map[string][]string{"send": {"enter"}}); err != nil {
		t.Fatal(err)
	}
	bindings := 0
	for _, typ := range []reflect.Type{reflect.TypeFor[KeyMap](), reflect.TypeFor[EditKeyMap]()} {
		for i := range typ.NumField() {
			if typ.Field(i).Type == reflect.TypeFor[key.Binding]() {
				bindings++
			}
		}
	}
	if n := len(KeyActions()); n != bindings {
		t.Errorf("%d actions have a name in config.toml, the KeyMap has %d bindings", n, bindings)
	}
}
