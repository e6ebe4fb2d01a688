package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/llm/llmtest"
)

// answer is the fake upstream's translation of source in the replica tests: Korean, then
// the source's words joined by dashes, so that a screen can be searched for it.
func answer(source string) string { return "좋아요 " + strings.ReplaceAll(source, " ", "-") }

// sshTeam is what two replicas share for SSH, made with ssh-keygen as an operator would:
// one host key, and the authorized keys of the team (each member's private key kept apart).
type sshTeam struct {
	dir        string
	hostKey    string            // the replicas' host key
	knownHosts string            // the host key under the alias "yeok-team", for the clients
	authKeys   string            // every member's public key
	keys       map[string]string // member: private key file
}

// newSSHTeam makes a host key and a key per member with ssh-keygen.
func newSSHTeam(t *testing.T, members ...string) *sshTeam {
	t.Helper()
	dir := t.TempDir()
	team := &sshTeam{dir: dir, hostKey: filepath.Join(dir, "ssh_host_ed25519"), knownHosts: filepath.Join(dir, "known_hosts"),
		authKeys: filepath.Join(dir, "authorized_keys"), keys: map[string]string{}}
	keygen := func(path, comment string) string {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		pub, err := os.ReadFile(path + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		return string(pub)
	}
	hostPub := keygen(team.hostKey, "yeok-team")
	if err := os.WriteFile(team.knownHosts, []byte("yeok-team "+hostPub), 0o600); err != nil {
		t.Fatal(err)
	}
	var auth strings.Builder
	for _, m := range members {
		team.keys[m] = filepath.Join(dir, "id_"+m)
		auth.WriteString(keygen(team.keys[m], m))
	}
	if err := os.WriteFile(team.authKeys, []byte(auth.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return team
}

// sshPane runs OpenSSH's client for member against addr in a detached tmux pane of its own
// server, so the screen is what the member would see. The client trusts only the team's
// host key (StrictHostKeyChecking=yes): a replica with another key is refused. The pane
// stays when ssh exits, so its exit can be read.
func (team *sshTeam) sshPane(t *testing.T, member, addr string) *tmuxPane {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	p := &tmuxPane{t: t, socket: filepath.Join(home, "tmux.sock"), rows: 30}
	command := []string{"env", "-i", "HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"ssh", "-tt", "-p", port, "-i", team.keys[member], "-F", "/dev/null",
		"-o", "HostKeyAlias=yeok-team", "-o", "UserKnownHostsFile=" + team.knownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", member + "@" + host}
	p.tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-s", "yeok",
		strings.Join(quoteAll(command), " "), ";", "set-option", "-w", "-t", "yeok", "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.socket, "kill-server").Run() })
	p.waitFor(member+"'s first screen on "+addr, func(rows []string) bool { return strings.Contains(strings.Join(rows, "\n"), "to translate") })
	return p
}

// shows waits until the pane shows every one of want.
func (p *tmuxPane) shows(want ...string) []string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("%q", want), func(rows []string) bool {
		screen := strings.Join(rows, "\n")
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// lostConnection waits until OpenSSH in the pane reports that the server went away: it
// exits with 255, or it has written its "closed by remote host" line (which it writes just
// before it exits; the exit itself can take tmux a while to see on a busy machine).
func (p *tmuxPane) lostConnection() {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		dead := strings.Fields(p.tmux("display-message", "-p", "-t", "yeok", "#{pane_dead} #{pane_dead_status}"))
		if len(dead) == 2 && dead[0] == "1" {
			if dead[1] != "255" {
				p.t.Fatalf("ssh to the killed replica exited with %s, want 255 (connection lost)", dead[1])
			}
			return
		}
		if strings.Contains(strings.Join(p.capture(), "\n"), "closed by remote host") {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("ssh did not see the replica go; it shows:\n%s", strings.Join(p.capture(), "\n"))
		}
		time.Sleep(20 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}

// heldStream is one HTTP stream of the replica test: its first token arrives on first, and
// its outcome (the body's last event, or the read error) on outcome.
type heldStream struct {
	source  string
	first   chan struct{}
	outcome chan string
}

// streamHTTP posts source to addr's /translate and reads the stream in a goroutine.
func streamHTTP(t *testing.T, addr, script, source string) *heldStream {
	h := &heldStream{source: source, first: make(chan struct{}), outcome: make(chan string, 1)}
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/translate", strings.NewReader(fmt.Sprintf(`{"lang":"ko","message":%q}`, source)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-script-id", script)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			h.outcome <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		last, seen := "", false
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				if !seen {
					seen = true
					close(h.first)
				}
				last = line
			}
		}
		if err := sc.Err(); err != nil {
			h.outcome <- "error: " + err.Error()
			return
		}
		h.outcome <- last
	}()
	return h
}

// entryStatuses reads every entry's source and status, across owners, straight from the
// database.
func entryStatuses(t *testing.T, url string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT source, status FROM entries`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var source, status string
		if err := rows.Scan(&source, &status); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[source]; dup {
			t.Fatalf("the source %q is logged twice", source)
		}
		out[source] = status
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresReplicasSSH: two `yeok serve --ssh --http` replicas over one PostgreSQL, with
// one host key and one authorized_keys file. A member's line written through replica B is
// in her history on replica A, and not in a teammate's. Then SSH sessions on both replicas
// and HTTP streams spread over both are mid-stream when A is SIGKILLed: A's clients are cut
// off, B's finish, and once A's lease runs out B marks A's entries interrupted. Nothing is
// lost (every line sent has its entry, done or interrupted), the member finds her cut-off
// line in her history on B, and `yeok db check` is clean.
func TestPostgresReplicasSSH(t *testing.T) {
	release := make(chan struct{})
	holding := make(chan string, 64)
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		source := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(llmtest.LastUser(r)), "<source>"), "</source>"))
		if !strings.HasPrefix(source, "hold ") {
			llmtest.Deltas(answer(source))(w, r)
			return
		}
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.RoleJSON)
		llmtest.Frame(w, llmtest.DeltaJSON("반쯤"))
		holding <- source
		select {
		case <-release:
			llmtest.Frame(w, llmtest.DeltaJSON(" 끝"))
			llmtest.Frame(w, llmtest.FinishJSON("stop"))
			llmtest.Frame(w, "[DONE]")
		case <-r.Context().Done():
		}
	})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	team := newSSHTeam(t, "ana", "ben")
	url := pgDatabase(t)
	args := []string{"--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", url, "--db-lease", "2s", "--no-memory", "--to", "ko",
		"--host-key", team.hostKey, "--authorized-keys", team.authKeys}
	a := startServe(t, srv, t.TempDir(), args...)
	b := startServe(t, srv, t.TempDir(), args...)

	// Ana writes a line through B, and finds it in her history on A; Ben does not.
	anaB := team.sshPane(t, "ana", b.sshAddr)
	anaB.literal("written through B")
	anaB.keys("Enter")
	anaB.shows(answer("written through B"))
	anaA := team.sshPane(t, "ana", a.sshAddr)
	anaA.keys("C-o")
	anaA.shows("History", "written through B")
	anaA.keys("Escape")
	benA := team.sshPane(t, "ben", a.sshAddr)
	benA.literal("ben on A")
	benA.keys("Enter")
	benA.shows(answer("ben on A"))
	benA.keys("C-o")
	if rows := benA.shows("History", "ben on A"); strings.Contains(strings.Join(rows, "\n"), "written through B") {
		t.Fatalf("ben's history shows ana's line:\n%s", strings.Join(rows, "\n"))
	}
	benA.keys("Escape")
	benB := team.sshPane(t, "ben", b.sshAddr)

	// Streams on both replicas: ana's and ben's SSH sessions, and HTTP streams spread over
	// both, all holding after their first token.
	want := map[string]string{"written through B": "done", "ben on A": "done"}
	for _, s := range []struct {
		pane   *tmuxPane
		source string
		status string
	}{{anaA, "hold ana on A", "interrupted"}, {benB, "hold ben on B", "done"}} {
		s.pane.literal(s.source)
		s.pane.keys("Enter")
		s.pane.shows("반쯤")
		want[s.source] = s.status
	}
	var streams []*heldStream
	for i := range 10 {
		addr, status, via := a.httpAddr, "interrupted", "A"
		if i%2 == 1 {
			addr, status, via = b.httpAddr, "done", "B"
		}
		h := streamHTTP(t, addr, "talk", fmt.Sprintf("hold http %d via %s", i, via))
		streams = append(streams, h)
		want[h.source] = status
	}
	for _, h := range streams {
		select {
		case <-h.first:
		case out := <-h.outcome:
			t.Fatalf("%q ended before its first token: %s", h.source, out)
		case <-time.After(20 * time.Second):
			t.Fatalf("%q: no first token", h.source)
		}
	}
	for range 12 {
		<-holding // every held request reached the upstream, so its entry is committed
	}

	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	anaA.lostConnection()
	close(release)
	released = true
	benB.shows("반쯤 끝")
	for _, h := range streams {
		out := <-h.outcome
		if strings.HasSuffix(h.source, "via B") != (out == "data: [DONE]") {
			t.Fatalf("%q ended with %q", h.source, out)
		}
	}

	// B marks A's entries interrupted once A's lease has run out.
	deadline := time.Now().Add(20 * time.Second)
	var got map[string]string
	for {
		got = entryStatuses(t, url)
		pending := 0
		for _, st := range got {
			if st == "pending" {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entries still pending after A's lease ran out: %v", got)
		}
		time.Sleep(100 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
	if len(got) != len(want) {
		t.Fatalf("the database holds %d entries, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for source, status := range want {
		if got[source] != status {
			t.Errorf("%q is %q, want %q", source, got[source], status)
		}
	}

	// Ana finds the line A was streaming when it died in her history on B.
	anaB.keys("C-o")
	anaB.shows("History", "hold ana on A", "written through B")
	if p := yeokRun(t, providerEnv(srv), "", "db", "check", "--db", url); p.code != 0 || !strings.HasSuffix(p.stdout, ": ok\n") {
		t.Fatalf("db check after the kill: code %d %q %q", p.code, p.stdout, p.stderr)
	}
}
