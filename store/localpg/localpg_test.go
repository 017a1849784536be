package localpg

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartStopKeepsDataAcrossRestarts(t *testing.T) {
	if _, err := findBinDir(""); err != nil {
		t.Skipf("no PostgreSQL server binaries on this machine: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	// t.TempDir's parents are private to root; the server may run as another user.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "var")

	srv, err := Start(ctx, Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	execSQL(t, ctx, srv.URL(), `CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`)
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	srv2, err := Start(ctx, Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv2.Stop(context.Background()) })
	conn, err := pgx.Connect(ctx, srv2.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after restart: v = %d, err = %v; want 42", v, err)
	}
}

// serverDir returns a data directory the server's user can reach and
// skips the test without PostgreSQL server binaries.
func serverDir(t *testing.T) string {
	t.Helper()
	if _, err := findBinDir(""); err != nil {
		t.Skipf("no PostgreSQL server binaries on this machine: %v", err)
	}
	dir := t.TempDir()
	// t.TempDir's parents are private to root; the server may run as another user.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "var")
}

// wantLockedDown checks that only the server's user (and root) can reach
// srv's socket and that a connection needs the password.
func wantLockedDown(t *testing.T, ctx context.Context, srv *Server) {
	t.Helper()
	owner := uint32(os.Geteuid())
	if srv.runAs != nil {
		owner = srv.runAs.Uid
	}
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{srv.sockDir, 0o700},
		{filepath.Join(srv.sockDir, ".s.PGSQL.5432"), 0o700},
		{srv.passFile, 0o600},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != f.mode {
			t.Errorf("%s has mode %v, want %v", f.path, fi.Mode().Perm(), f.mode)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != owner {
			t.Errorf("%s belongs to uid %d, want the server's user %d", f.path, st.Uid, owner)
		}
	}

	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("passfile", filepath.Join(t.TempDir(), "none")) // and not ~/.pgpass either
	u.RawQuery = q.Encode()
	if conn, err := pgx.Connect(ctx, u.String()); err == nil {
		conn.Close(ctx)
		t.Error("connected to the embedded database without its password")
	} else if !strings.Contains(err.Error(), "28P01") {
		t.Errorf("connecting without the password: %v; want SQLSTATE 28P01 (password authentication failed)", err)
	}
	u.User = url.UserPassword(role, "guess")
	if conn, err := pgx.Connect(ctx, u.String()); err == nil {
		conn.Close(ctx)
		t.Error("connected to the embedded database with a wrong password")
	}

	conn, err := pgx.Connect(ctx, srv.URL())
	if err != nil {
		t.Fatalf("connect with the password file: %v", err)
	}
	defer conn.Close(ctx)
	var listen, sockPerm string
	var other int
	if err := conn.QueryRow(ctx, `SELECT current_setting('listen_addresses'), current_setting('unix_socket_permissions'),
		(SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256' OR type <> 'local')`).Scan(&listen, &sockPerm, &other); err != nil {
		t.Fatal(err)
	}
	if listen != "" || other != 0 {
		t.Errorf("listen_addresses %q, %d pg_hba rules other than local scram-sha-256; want none of either", listen, other)
	}
	if srv.started && sockPerm != "0700" {
		t.Errorf("unix_socket_permissions %s, want 0700", sockPerm)
	}
}

func TestEmbeddedServerIsLockedDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := Start(ctx, Config{DataDir: serverDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	wantLockedDown(t, ctx, srv)
	if strings.Contains(srv.URL(), readPassword(t, srv)) {
		t.Error("the URL carries the password; it should name the password file")
	}
}

func readPassword(t *testing.T, srv *Server) string {
	t.Helper()
	p, err := srv.password()
	if err != nil || len(p) < 40 {
		t.Fatalf("password %q, %v; want a long random one", p, err)
	}
	return p
}

// A cluster an earlier version made trusted every local connection, and
// its socket directory was world-readable. Its next start locks it down,
// whether it was stopped or still running (Start then attaches to it),
// and keeps its data.
func TestTrustClusterOfAnEarlierVersionIsLockedDown(t *testing.T) {
	for _, running := range []bool{false, true} {
		t.Run(map[bool]string{false: "stopped", true: "running"}[running], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			dataDir := serverDir(t)
			old := oldCluster(t, ctx, dataDir)
			if running {
				if out, err := old.command(ctx, "pg_ctl", "-D", old.pgdata, "-l", filepath.Join(dataDir, "postgres.log"),
					"-o", "-k "+old.sockDir+" -c listen_addresses='' -p 5432", "-w", "start"); err != nil {
					t.Fatalf("start the old cluster: %v: %s", err, out)
				}
				t.Cleanup(func() {
					_, _ = old.command(context.Background(), "pg_ctl", "-D", old.pgdata, "-m", "fast", "-w", "stop")
				})
				execSQL(t, ctx, oldURL(old), `CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)`)
			}

			srv, err := Start(ctx, Config{DataDir: dataDir})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = srv.Stop(context.Background()) })
			if srv.started == running {
				t.Fatalf("started %v; want it to attach exactly when the old server was running", srv.started)
			}
			wantLockedDown(t, ctx, srv)
			if running {
				conn, err := pgx.Connect(ctx, srv.urlOf("postgres"))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				var v int
				if err := conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 7 {
					t.Fatalf("kept = %d, %v; want the old cluster's 7", v, err)
				}
			}
		})
	}
}

// oldCluster makes what the earlier version made: directories of mode
// 0755 and a cluster with trust authentication for role kiebot.
func oldCluster(t *testing.T, ctx context.Context, dataDir string) *Server {
	t.Helper()
	binDir, err := findBinDir("")
	if err != nil {
		t.Fatal(err)
	}
	old := &Server{binDir: binDir, pgdata: filepath.Join(dataDir, "pgdata"), sockDir: filepath.Join(dataDir, "pgrun"), dbName: "kiebot"}
	for _, dir := range []string{dataDir, old.sockDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 {
		if old.runAs, _, err = unprivilegedUser(); err != nil {
			t.Fatal(err)
		}
		if err := old.handOver(dataDir); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := old.command(ctx, "initdb", "-D", old.pgdata, "-U", "kiebot", "--auth=trust", "-E", "UTF8", "--locale=C"); err != nil {
		t.Fatalf("old initdb: %v: %s", err, out)
	}
	return old
}

func oldURL(s *Server) string {
	return "postgres://kiebot@/postgres?" + url.Values{"host": {s.sockDir}, "port": {"5432"}, "sslmode": {"disable"}}.Encode()
}

func TestMissingBinariesSayWhatToDo(t *testing.T) {
	_, err := Start(context.Background(), Config{DataDir: t.TempDir(), BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	_, err = findBinDir("")
	if err != nil && (!strings.Contains(err.Error(), "apt-get install postgresql") || !strings.Contains(err.Error(), "DATABASE_URL")) {
		t.Fatalf("error does not say what to install or set: %v", err)
	}
}

func execSQL(t *testing.T, ctx context.Context, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}
