// Package localpg runs the embedded default database: a PostgreSQL server
// whose data lives in a directory of the service (./var by default), started
// from the PostgreSQL binaries installed on the machine and stopped on exit.
// It lets `make run` work with no DATABASE_URL. initdb refuses to run as
// root, so under root the server runs as an unprivileged user ("postgres"
// when it exists, else "nobody").
package localpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Config configures Start.
type Config struct {
	// DataDir holds the cluster (DataDir/pgdata), its socket and its log.
	DataDir string
	// BinDir overrides where initdb, pg_ctl and postgres are looked up.
	BinDir string
	// Database is created on first start; default "kiebot".
	Database string
	Logger   *slog.Logger
}

// Server is a running embedded PostgreSQL.
type Server struct {
	binDir  string
	pgdata  string
	sockDir string
	dbName  string
	runAs   *syscall.Credential
	started bool // false when we attached to a server already running
	log     *slog.Logger
}

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found")

// Start initialises the cluster on first use, starts the server (or attaches
// to one already running on the same data directory) and creates the
// database. It returns once the database accepts connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	binDir, err := findBinDir(cfg.BinDir)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded database directory %q: %w", cfg.DataDir, err)
	}
	s := &Server{
		binDir:  binDir,
		pgdata:  filepath.Join(dataDir, "pgdata"),
		sockDir: filepath.Join(dataDir, "pgrun"),
		dbName:  cmpOr(cfg.Database, "kiebot"),
		log:     log,
	}
	if len(filepath.Join(s.sockDir, ".s.PGSQL.5432")) > 100 {
		return nil, fmt.Errorf("embedded database directory %s is too deep for a Unix socket path (100 bytes): use a shorter DATA_DIR or set DATABASE_URL", dataDir)
	}
	if os.Geteuid() == 0 {
		cred, name, err := unprivilegedUser()
		if err != nil {
			return nil, err
		}
		s.runAs = cred
		log.Info("localpg: running as root, so the embedded PostgreSQL runs as an unprivileged user", "user", name)
	}
	for _, dir := range []string{dataDir, s.sockDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create embedded database directory: %w", err)
		}
	}
	if s.runAs != nil {
		if err := s.handOver(dataDir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(s.pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if s.running(ctx) {
		log.Info("localpg: attaching to the embedded PostgreSQL already running", "data_dir", s.pgdata)
	} else {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
		s.started = true
	}
	if err := s.createDatabase(ctx); err != nil {
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// URL is the connection string of the embedded database (Unix socket).
func (s *Server) URL() string {
	q := url.Values{"host": {s.sockDir}, "port": {"5432"}, "sslmode": {"disable"}}
	return "postgres://kiebot@/" + s.dbName + "?" + q.Encode()
}

// Stop stops the server if Start started it; a server we attached to is
// left to whoever started it.
func (s *Server) Stop(ctx context.Context) error {
	if !s.started {
		return nil
	}
	s.started = false
	out, err := s.command(ctx, "pg_ctl", "-D", s.pgdata, "-m", "fast", "-w", "-t", "20", "stop")
	if err != nil {
		return fmt.Errorf("stop embedded PostgreSQL: %w: %s", err, out)
	}
	s.log.Info("localpg: embedded PostgreSQL stopped")
	return nil
}

func (s *Server) initdb(ctx context.Context) error {
	s.log.Info("localpg: creating the embedded PostgreSQL cluster", "data_dir", s.pgdata)
	out, err := s.command(ctx, "initdb", "-D", s.pgdata, "-U", "kiebot", "--auth=trust", "-E", "UTF8", "--locale=C")
	if err != nil {
		_ = os.RemoveAll(s.pgdata) // a half-made cluster would fail every later start
		return fmt.Errorf("initdb for the embedded database: %w: %s", err, lastLines(out, 5))
	}
	return nil
}

func (s *Server) start(ctx context.Context) error {
	logFile := filepath.Join(filepath.Dir(s.pgdata), "postgres.log")
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -p 5432", s.sockDir)
	out, err := s.command(ctx, "pg_ctl", "-D", s.pgdata, "-l", logFile, "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		return fmt.Errorf("start the embedded PostgreSQL (its log is %s): %w: %s; set DATABASE_URL to use another database",
			logFile, err, lastLines(out, 5))
	}
	s.log.Info("localpg: embedded PostgreSQL started", "data_dir", s.pgdata, "log", logFile)
	return nil
}

func (s *Server) running(ctx context.Context) bool {
	_, err := s.command(ctx, "pg_ctl", "-D", s.pgdata, "status")
	return err == nil
}

func (s *Server) createDatabase(ctx context.Context) error {
	q := url.Values{"host": {s.sockDir}, "port": {"5432"}, "sslmode": {"disable"}}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, "postgres://kiebot@/postgres?"+q.Encode())
	if err != nil {
		return fmt.Errorf("connect to the embedded PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(cctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, s.dbName).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", s.dbName, err)
	}
	if !exists {
		if _, err := conn.Exec(cctx, "CREATE DATABASE "+pgx.Identifier{s.dbName}.Sanitize()); err != nil {
			return fmt.Errorf("create database %s: %w", s.dbName, err)
		}
	}
	return nil
}

// command runs a PostgreSQL binary, as the unprivileged user under root.
func (s *Server) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.Dir = filepath.Dir(s.pgdata)
	if s.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.runAs}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running with our pipes as its stdio
	// unless told otherwise; it redirects to -l, so waiting is bounded.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

// handOver gives the unprivileged user the data directory and checks it can
// reach it (every parent must be traversable).
func (s *Server) handOver(dataDir string) error {
	uid, gid := int(s.runAs.Uid), int(s.runAs.Gid)
	err := filepath.Walk(dataDir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("give the embedded database directory to uid %d: %w", uid, err)
	}
	for dir := filepath.Dir(dataDir); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("check embedded database directory: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("the embedded PostgreSQL runs as uid %d and cannot reach %s: %s is not traversable by others (chmod o+x it), or set DATABASE_URL",
				uid, dataDir, dir)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

func unprivilegedUser() (*syscall.Credential, string, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, name, nil
	}
	return nil, "", errors.New("running as root, and PostgreSQL refuses root: create an unprivileged user named postgres (or run kiebot as a normal user), or set DATABASE_URL")
}

// findBinDir finds initdb, pg_ctl and postgres: in dir if given, else the
// newest /usr/lib/postgresql/*/bin (Debian, Ubuntu), else PATH.
func findBinDir(dir string) (string, error) {
	has := func(d string) bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(d, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in %s", ErrNoBinaries, dir)
	}
	candidates, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, d := range candidates {
		if has(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: the embedded database needs initdb, pg_ctl and postgres. "+
		"Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@15) "+
		"or set DATABASE_URL to an existing database", ErrNoBinaries)
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
