package pricing

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite registry.json from source/ (same as `kiebot registry build`)")

func readSources(t *testing.T) BuildSources {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("source", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return BuildSources{Catalogue: read(SourceCatalogue), Prices: read(SourcePrices), Curation: read(SourceCuration)}
}

// TestEmbeddedRegistryIsBuilt rebuilds the registry from pricing/source and
// compares it byte for byte with the embedded file.
func TestEmbeddedRegistryIsBuilt(t *testing.T) {
	f, rep, err := Build(readSources(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("registry.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote registry.json: %+v", rep)
		return
	}
	if !bytes.Equal(got, embeddedRegistry) {
		t.Fatal("registry.json is stale: run `go run ./cmd/kiebot registry build` (or go test ./pricing -run TestEmbeddedRegistryIsBuilt -update)")
	}
}
