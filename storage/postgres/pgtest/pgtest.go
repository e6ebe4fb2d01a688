// Package pgtest runs a real PostgreSQL server for tests: one server per test binary, in a
// temporary directory, started with Debian's initdb and postgres, and a fresh database per
// test. Nothing is mocked. When the tests run as root (as in CI containers), the server runs
// as an unprivileged account, since initdb and postgres refuse root.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the role initdb creates; it connects over the socket without a password.
const Superuser = "yeok"

// startTimeout bounds how long Start waits for the server to accept connections.
const startTimeout = 60 * time.Second

// Server is a PostgreSQL server this process started.
type Server struct {
	dir  string // temporary directory: data, socket and log
	bin  string // directory of initdb and postgres
	port int
	cmd  *exec.Cmd
	cred *syscall.Credential // nil when not running as root
	next atomic.Int64        // database counter
	exit chan error          // the server's exit status, once it ends
}

// Main starts a server, stores it in *srv, runs the package's tests and stops the server.
// A server that cannot start fails the run with a line saying what to install: tests over
// PostgreSQL never skip.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Start initialises a cluster in a new temporary directory and starts postgres on a unix
// socket in that directory and on 127.0.0.1 at a free port. Passwords are needed over TCP
// only (scram-sha-256); the socket trusts the superuser.
func Start() (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, exit: make(chan error, 1)}
	if s.cred, err = credential(); err != nil {
		return nil, err
	}
	if s.dir, err = os.MkdirTemp("", "yeok-pgtest-"); err != nil {
		return nil, err
	}
	if err := s.own(s.dir); err != nil {
		s.removeDir()
		return nil, err
	}
	if err := s.initdb(); err != nil {
		s.removeDir()
		return nil, err
	}
	if err := s.start(); err != nil {
		s.removeDir()
		return nil, err
	}
	return s, nil
}

// findBin finds initdb and postgres: the newest /usr/lib/postgresql/*/bin, else PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if d := filepath.Dir(p); isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH: " +
		"install them (Debian/Ubuntu: apt-get install postgresql; other systems: the PostgreSQL server package)")
}

func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// credential is the unprivileged account the server runs as when this process is root:
// nobody, else the first account with a uid from 1000 up found by os/user; nil otherwise.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"nobody", "postgres", "daemon"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root and no unprivileged account (nobody, postgres, daemon) to run PostgreSQL as")
}

// own gives path to the account the server runs as.
func (s *Server) own(path string) error {
	if s.cred == nil {
		return nil
	}
	return os.Chown(path, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// command runs a server binary as the server's account, in its directory.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "TZ=UTC")
	cmd.SysProcAttr = sysProcAttr(s.cred)
	return cmd
}

func (s *Server) initdb() error {
	cmd := s.command("initdb", "-D", s.data(), "-U", Superuser, "--encoding=UTF8", "--locale=C.UTF-8",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start runs postgres in the foreground as a child of this process and waits until it takes
// connections. fsync is off unless YEOK_PGTEST_FSYNC=1: tests make a database each, and a
// benchmark of durable commits sets it.
func (s *Server) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	fsync := "off"
	if os.Getenv("YEOK_PGTEST_FSYNC") == "1" {
		fsync = "on"
	}
	logf, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd = s.command("postgres", "-D", s.data(), "-k", s.dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync="+fsync, "-c", "full_page_writes="+fsync,
		"-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "log_min_messages=warning")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() { s.exit <- s.cmd.Wait() }()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return nil
		}
		select {
		case werr := <-s.exit:
			s.exit <- werr
			return fmt.Errorf("postgres exited: %v\n%s", werr, s.log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return fmt.Errorf("postgres did not accept connections within %v: %w\n%s", startTimeout, err, s.log())
		}
	}
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
	return strings.TrimSpace(string(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the connection URL of database db as the superuser over the unix socket.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", Superuser, db, s.dir, s.port)
}

// TCPURL is the connection URL of database db over TCP as user with password (which may be
// empty to leave it out).
func (s *Server) TCPURL(db, user, password string) string {
	auth := user
	if password != "" {
		auth += ":" + password
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", auth, s.port, db)
}

// Exec runs sql as the superuser in database db.
func (s *Server) Exec(ctx context.Context, db, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// NewDatabase creates an empty database for one test, dropped when the test ends, and
// returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.next.Add(1))
	ctx := context.Background()
	if err := s.Exec(ctx, "postgres", "CREATE DATABASE "+name+" TEMPLATE template0 STRATEGY FILE_COPY"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = s.Exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return s.URL(name)
}

// Stop shuts the server down (fast: open sessions are ended) and removes its directory.
func (s *Server) Stop() error {
	defer s.removeDir()
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exit:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exit
		return errors.New("postgres did not stop within 30s; killed")
	}
}

func (s *Server) removeDir() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
