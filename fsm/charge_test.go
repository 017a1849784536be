package fsm

import (
	"encoding/json"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// A confirmation pressed before CreateJob had a Charge was saved with the
// charge in Quote.Free; tapped again after an upgrade it must be charged,
// and keyed, exactly as it was shown, or a second tap could make a second,
// paid job.
func TestCreateJobSavedBeforeChargeExisted(t *testing.T) {
	for _, tc := range []struct {
		saved string
		want  Charge
	}{
		{`{"ModelID":"z-image","Quote":{"Kopecks":48,"Free":true}}`, ChargeFreeUse},
		{`{"ModelID":"z-image","Quote":{"Kopecks":48,"Free":false}}`, ChargeBalance},
		{`{"ModelID":"z-image","Quote":{"Kopecks":48,"Free":true},"Charge":1}`, ChargeBalance},
	} {
		var job CreateJob
		if err := json.Unmarshal([]byte(tc.saved), &job); err != nil {
			t.Fatal(err)
		}
		if job.Charge != tc.want {
			t.Errorf("%s: charge %v, want %v", tc.saved, job.Charge, tc.want)
		}
	}
	// The key's bytes did not change with the field: the old rule hashed
	// Quote.Free as the charge.
	legacy := CreateJob{ModelID: "z-image", Params: pricing.Params{"aspect_ratio": "1:1"}, Quote: pricing.Quote{Kopecks: 48, Free: true}, Charge: ChargeFreeUse}
	now := legacy
	now.Quote.Free = false
	if jobKey(7, "n", legacy) != jobKey(7, "n", now) {
		t.Error("the idempotency key depends on Quote.Free, not on the charge")
	}
	if jobKey(7, "n", legacy) == jobKey(7, "n", CreateJob{ModelID: "z-image", Params: legacy.Params, Quote: legacy.Quote, Charge: ChargeBalance}) {
		t.Error("a free use and a paid order of the same screen share a key")
	}
}
