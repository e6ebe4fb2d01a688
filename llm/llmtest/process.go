package llmtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// BenchStream is one answer of n deltas shaped like OpenAI's (with the fields real servers
// add), a stop, a usage chunk and [DONE], and the text it carries.
func BenchStream(n int) (body []byte, text string) {
	var b, t strings.Builder
	head := `{"id":"chatcmpl-D0q8CZXN1uEzngZGkU7FuV92lnXWq","object":"chat.completion.chunk","created":1769092764,` +
		`"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_29330a9688","choices":[{"index":0,"delta":`
	fmt.Fprintf(&b, "data: %s{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"iPgRzm\"}\n\n", head)
	for i := range n {
		piece := fmt.Sprintf(" 단어%d", i%97)
		t.WriteString(piece)
		content, _ := json.Marshal(piece)
		fmt.Fprintf(&b, "data: %s{\"content\":%s},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"ZGF\"}\n\n", head, content)
	}
	fmt.Fprintf(&b, "data: %s{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"obfuscation\":\"pH\"}\n\n", head)
	b.WriteString("data: " + UsageJSON(79, n) + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String()), t.String()
}

// StartProcess builds the fakeopenai command and runs it with args in a process of its own,
// returning its base URL; the process ends with the test.
func StartProcess(t testing.TB, args ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(t.TempDir(), "fakeopenai")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(filepath.Dir(file), "fakeopenai")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build fakeopenai: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("fakeopenai did not say its address: %v", err)
	}
	return strings.TrimSpace(line)
}
