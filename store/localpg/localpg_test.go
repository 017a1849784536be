package localpg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
