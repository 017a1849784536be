package migrations

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

//go:embed sql/*.sql
var files embed.FS

// Migration is one numbered SQL file.
type Migration struct {
	Version  int
	Name     string // file name, e.g. 0001_foundation.sql
	SQL      string
	Checksum string // hex SHA-256 of SQL
}

var namePattern = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// All returns the embedded migrations in order. It panics if they are
// misnumbered: that is a build defect, not a runtime condition.
func All() []Migration {
	ms, err := Load(files, "sql")
	if err != nil {
		panic(err)
	}
	return ms
}

// Load reads and validates the migrations in dir of fsys.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := namePattern.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q: want NNNN_lowercase_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %04d (versions start at 1 with no gaps or duplicates)", m.Name, i+1)
		}
	}
	return ms, nil
}

// Fingerprint identifies a set of migrations; test helpers name template
// databases after it.
func Fingerprint(ms []Migration) string {
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.Name + ":" + m.Checksum + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
