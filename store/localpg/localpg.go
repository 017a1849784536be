// Package localpg runs the embedded default database: a PostgreSQL server
// whose data lives in a directory of the service (./var by default), started
// from the PostgreSQL binaries installed on the machine and stopped on exit.
// It lets `make run` work with no DATABASE_URL. initdb refuses to run as
// root, so under root the server runs as an unprivileged user ("postgres"
// when it exists, else "nobody").
//
// # Who can connect
//
// The server listens on a Unix socket only (no TCP), in DataDir/pgrun,
// a directory of mode 0700 owned by the server's user, and the socket
// itself is 0700: only that user and root reach it. On top of that every
// connection authenticates with scram-sha-256 as role kiebot, whose random
// password is generated on first start and kept, in the pgpass format, in
// DataDir/kiebot.pgpass (mode 0600). URL names that file (passfile=), so
// the password itself is never in a connection string or a log line.
// A cluster created by an earlier version with trust authentication is
// given the password and locked down at its next start.
package localpg

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
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
	binDir   string
	pgdata   string
	sockDir  string
	passFile string // pgpass-format file with role kiebot's password
	dbName   string
	runAs    *syscall.Credential
	started  bool // false when we attached to a server already running
	log      *slog.Logger
}

// role is the database role kiebot connects as.
const role = "kiebot"

// hbaConf is the whole of pg_hba.conf: the Unix socket is the only way in
// (listen_addresses is empty) and it takes the password.
const hbaConf = `# Written by kiebot (store/localpg) at every start; edits are overwritten.
# The server listens on its Unix socket only; every connection needs role
# kiebot's password, kept in ../kiebot.pgpass.
local all all scram-sha-256
`

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
		binDir:   binDir,
		pgdata:   filepath.Join(dataDir, "pgdata"),
		sockDir:  filepath.Join(dataDir, "pgrun"),
		passFile: filepath.Join(dataDir, "kiebot.pgpass"),
		dbName:   cmpOr(cfg.Database, "kiebot"),
		log:      log,
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
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create embedded database directory: %w", err)
		}
	}
	// Earlier versions made the socket directory world-readable; MkdirAll
	// leaves an existing directory's mode alone.
	if err := os.Chmod(s.sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict the embedded database's socket directory: %w", err)
	}
	password, err := s.password()
	if err != nil {
		return nil, err
	}
	if s.runAs != nil {
		if err := s.handOver(dataDir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(s.pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx, password); err != nil {
			return nil, err
		}
	}
	trusting, err := s.hbaIsOld()
	if err != nil {
		return nil, err
	}
	if s.running(ctx) {
		log.Info("localpg: attaching to the embedded PostgreSQL already running", "data_dir", s.pgdata)
	} else {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
		s.started = true
	}
	if err := s.lockDown(ctx, password, trusting); err != nil {
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.createDatabase(ctx); err != nil {
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// URL is the connection string of the embedded database (Unix socket). It
// names the password file rather than carrying the password.
func (s *Server) URL() string { return s.urlOf(s.dbName) }

func (s *Server) urlOf(db string) string {
	q := url.Values{"host": {s.sockDir}, "port": {"5432"}, "sslmode": {"disable"}, "passfile": {s.passFile}}
	return "postgres://" + role + "@/" + db + "?" + q.Encode()
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

func (s *Server) initdb(ctx context.Context, password string) error {
	s.log.Info("localpg: creating the embedded PostgreSQL cluster", "data_dir", s.pgdata)
	// initdb reads the superuser's password from a file, as the server's
	// user; it lives only as long as initdb runs.
	pwFile := filepath.Join(filepath.Dir(s.pgdata), ".initdb-password")
	if err := s.writePrivate(pwFile, password+"\n"); err != nil {
		return fmt.Errorf("initdb for the embedded database: %w", err)
	}
	defer os.Remove(pwFile)
	out, err := s.command(ctx, "initdb", "-D", s.pgdata, "-U", role, "--pwfile="+pwFile,
		"--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C")
	if err != nil {
		_ = os.RemoveAll(s.pgdata) // a half-made cluster would fail every later start
		return fmt.Errorf("initdb for the embedded database: %w: %s", err, lastLines(out, 5))
	}
	return s.writeHBA()
}

// password reads role kiebot's password from the password file, creating
// the file with a new random password on first use.
func (s *Server) password() (string, error) {
	b, err := os.ReadFile(s.passFile)
	if err == nil {
		// hostname:port:database:username:password
		if f := strings.Split(strings.TrimSpace(string(b)), ":"); len(f) == 5 && f[3] == role && f[4] != "" {
			return f[4], nil
		}
		return "", fmt.Errorf("embedded database password file %s is not one line *:*:*:%s:<password>; "+
			"restore it, or remove it together with the data directory to start afresh", s.passFile, role)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read the embedded database's password: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("generate the embedded database's password: %w", err)
	}
	password := base64.RawURLEncoding.EncodeToString(secret) // no ':' or '\\', which pgpass would need escaped
	if err := s.writePrivate(s.passFile, "*:*:*:"+role+":"+password+"\n"); err != nil {
		return "", fmt.Errorf("store the embedded database's password: %w", err)
	}
	return password, nil
}

// writePrivate writes a file only its owner can read: the server's user
// under root (root reads it anyway), else this process's.
func (s *Server) writePrivate(name, content string) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // WriteFile keeps an existing file's mode
		return err
	}
	if s.runAs != nil {
		if err := os.Chown(tmp, int(s.runAs.Uid), int(s.runAs.Gid)); err != nil {
			return err
		}
	}
	return os.Rename(tmp, name)
}

func (s *Server) writeHBA() error {
	if err := s.writePrivate(filepath.Join(s.pgdata, "pg_hba.conf"), hbaConf); err != nil {
		return fmt.Errorf("write the embedded database's pg_hba.conf: %w", err)
	}
	return nil
}

// hbaIsOld reports whether pg_hba.conf is not ours: a cluster made by an
// earlier version, which trusted every local connection.
func (s *Server) hbaIsOld() (bool, error) {
	b, err := os.ReadFile(filepath.Join(s.pgdata, "pg_hba.conf"))
	if err != nil {
		return false, fmt.Errorf("read the embedded database's pg_hba.conf: %w", err)
	}
	return string(b) != hbaConf, nil
}

// lockDown gives a cluster of an earlier version (trust authentication)
// role kiebot's password and then our pg_hba.conf, in that order so a
// crash between the two leaves a cluster we can still enter. It reloads
// the configuration in any case, so a server we attached to stops trusting
// even if a previous lock-down crashed before its reload, and restricts
// the socket of a server started without unix_socket_permissions.
func (s *Server) lockDown(ctx context.Context, password string, trusting bool) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, s.urlOf("postgres"))
	if err != nil {
		return fmt.Errorf("connect to the embedded PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if trusting {
		s.log.Warn("localpg: the embedded PostgreSQL trusted every local connection (an earlier version's setup); giving role kiebot a password and requiring it",
			"password_file", s.passFile)
		// ALTER ROLE takes no parameters; the password is base64url, so
		// quoting it as a literal is exact. Should the statement fail, the
		// server must not copy it, password and all, into its log.
		for _, set := range []string{"SET password_encryption = 'scram-sha-256'", "SET log_min_error_statement = panic", "SET log_statement = none"} {
			if _, err := conn.Exec(cctx, set); err != nil {
				return fmt.Errorf("lock down the embedded PostgreSQL: %s: %w", set, err)
			}
		}
		if _, err := conn.Exec(cctx, "ALTER ROLE "+role+" PASSWORD '"+password+"'"); err != nil {
			return fmt.Errorf("lock down the embedded PostgreSQL: set the password: %w", err)
		}
		if err := s.writeHBA(); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(cctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("lock down the embedded PostgreSQL: reload pg_hba.conf: %w", err)
	}
	// A server started by an earlier version made its socket 0777
	// (unix_socket_permissions applies only at start); the directory is
	// 0700 now, and the socket follows.
	if err := os.Chmod(filepath.Join(s.sockDir, ".s.PGSQL.5432"), 0o700); err != nil {
		return fmt.Errorf("lock down the embedded PostgreSQL's socket: %w", err)
	}
	return nil
}

func (s *Server) start(ctx context.Context) error {
	logFile := filepath.Join(filepath.Dir(s.pgdata), "postgres.log")
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c unix_socket_permissions=0700 -p 5432", s.sockDir)
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
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, s.urlOf("postgres"))
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
