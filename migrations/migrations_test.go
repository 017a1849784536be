package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestAllIsValid(t *testing.T) {
	ms := All()
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || m.Checksum == "" || strings.TrimSpace(m.SQL) == "" {
			t.Errorf("migration %d: %+v", i, m.Name)
		}
	}
}

func TestLoadRejectsBadSets(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "want version 0002"},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, "want version 0002"},
		{"bad name", []string{"0001_a.sql", "2_b.sql"}, "NNNN_lowercase_name.sql"},
		{"not from one", []string{"0002_b.sql"}, "want version 0001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["sql/"+f] = &fstest.MapFile{Data: []byte("select 1;")}
			}
			_, err := Load(fsys, "sql")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestFingerprintChangesWithContent(t *testing.T) {
	a := []Migration{{Name: "0001_a.sql", Checksum: "x"}}
	b := []Migration{{Name: "0001_a.sql", Checksum: "y"}}
	if Fingerprint(a) == Fingerprint(b) {
		t.Fatal("fingerprint ignores checksums")
	}
}
