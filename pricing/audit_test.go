package pricing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each testdata/audit/<code>.json is ok.json with one change that must trip
// exactly one defect, of the kind its name says.
func TestAuditFixturesTripExactlyOneDefect(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "audit", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[DefectCode]bool{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := DecodeFile(data)
			if err != nil {
				t.Fatal(err)
			}
			defects := Audit(f)
			_, loadErr := Parse(data)
			if name == "ok" {
				if len(defects) != 0 || loadErr != nil {
					t.Fatalf("ok.json: defects %v, load error %v", defects, loadErr)
				}
				return
			}
			if len(defects) != 1 || string(defects[0].Code) != name {
				t.Fatalf("want exactly one %s defect, got %v", name, defects)
			}
			if loadErr == nil || !strings.Contains(loadErr.Error(), name) {
				t.Fatalf("Parse must refuse a registry with a %s defect, got %v", name, loadErr)
			}
			covered[defects[0].Code] = true
		})
	}
	for _, code := range []DefectCode{
		DefectDuplicateID, DefectMissingName, DefectUnknownCategory, DefectUnknownOutput,
		DefectUnknownFieldType, DefectBadField, DefectDefaultNotAllowed, DefectEnabledWithoutPrice,
		DefectOptionWithoutPrice, DefectModeMismatch, DefectPriceFieldOptional, DefectNonPositivePrice,
		DefectAbsurdPrice, DefectState, DefectUndeliverable, DefectUnsourcedPrice, DefectBadBasis,
	} {
		if !covered[code] {
			t.Errorf("no fixture trips %s", code)
		}
	}
}

func TestShippedRegistryPassesAudit(t *testing.T) {
	t.Parallel()
	f, err := DecodeFile(embeddedRegistry)
	if err != nil {
		t.Fatal(err)
	}
	if d := Audit(f); len(d) != 0 {
		t.Fatalf("shipped registry has defects: %v", d)
	}
	s := Summarize(f)
	if s.Enabled == 0 || s.Enabled+s.Disabled != len(f.Models) {
		t.Fatalf("summary %+v does not add up to %d models", s, len(f.Models))
	}
	t.Logf("shipped registry: %d enabled, %d disabled, %d options removed, %d price conflicts",
		s.Enabled, s.Disabled, s.RemovedOptions, s.PriceConflicts)
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []Credits
		want string
	}{
		{nil, "0"},
		{[]Credits{5 * MicroPerCredit}, "5"},
		{[]Credits{4 * MicroPerCredit, 1 * MicroPerCredit, 3 * MicroPerCredit}, "3"},
		{[]Credits{2 * MicroPerCredit, 3 * MicroPerCredit, 4 * MicroPerCredit, 400 * MicroPerCredit}, "3.5"},
	} {
		if got := ratString(median(tc.in)); got != tc.want {
			t.Errorf("median(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
