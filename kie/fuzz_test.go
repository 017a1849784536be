package kie

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// The fuzz targets feed hostile bytes to everything that parses Kie's
// answers and callbacks. They assert no panic and a few invariants; run one
// with go test -run '^$' -fuzz FuzzParseRecord -fuzztime 20s ./kie/.

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		docsRecord,
		`{"taskId":"t","state":"fail","resultJson":"","failCode":"422","failMsg":"prohibited","creditsConsumed":0}`,
		`{"task_id":"t","state":"success","resultJson":{"resultUrls":["https://a/b.png"]},"response":{"resultUrls":[]}}`,
		`{"taskId":"t","state":"success","resultJson":"{\"data\":[{\"audio_url\":\"https://c/1.mp3\"}]}","creditsConsumed":"1e-3"}`,
		`{"taskId":1,"state":"waiting","createTime":"1767225600000","costTime":1.5}`,
		`{"taskId":"t","state":"success","resultJson":"\"{\\\"resultObject\\\":{}}\""}`,
		`null`, `[]`, `{}`, `{"taskId":"t","state":"success","resultJson":"{"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		task, err := parseRecord(data)
		if err != nil {
			return
		}
		if task.ID == "" {
			t.Fatal("accepted a record without a task id")
		}
		if _, err := ParseState(string(task.State)); err != nil {
			t.Fatalf("accepted an unknown state %q", task.State)
		}
		for _, u := range task.Result.URLs {
			if checkResultURL(u) != nil {
				t.Fatalf("accepted a bad result URL %q", u)
			}
		}
		_ = task.Err()
		_ = task.ContentPolicyFailure()
	})
}

func FuzzParseResultJSON(f *testing.F) {
	for _, s := range [][2]string{
		{`"{\"resultUrls\":[\"https://x/1.png\"]}"`, ``},
		{`{"resultUrls":["https://x/1.png","https://x/2.png"]}`, `null`},
		{`""`, `{"resultObject":{"text":"hi"}}`},
		{`null`, ``},
		{`"{\"data\":[{\"audio_url\":\"https://s/1.mp3\"}]}"`, ``},
		{`"\"{}\""`, `"x"`},
		{`{"resultUrls":"https://x/lone.png"}`, ``},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, resultJSON, response []byte) {
		r, err := parseResult(resultJSON, response)
		if err != nil {
			return
		}
		for _, u := range r.URLs {
			if u == "" || checkResultURL(u) != nil {
				t.Fatalf("bad url %q accepted", u)
			}
		}
		if r.Object != nil && !json.Valid(r.Object) {
			t.Fatalf("invalid object %q", r.Object)
		}
	})
}

func FuzzParseCredits(f *testing.F) {
	for _, s := range []string{"0", "812.5", "0.8", "-3", "1e3", "0.30000000000000004", "1e-7", "9223372036854.775807", "abc", "1e99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCredits(s)
		if err != nil {
			return
		}
		// What String prints must parse back to the same amount.
		back, err := ParseCredits(c.String())
		if err != nil || back != c {
			t.Fatalf("ParseCredits(%q) = %d, but %q parses to %d, %v", s, c, c.String(), back, err)
		}
	})
}

func FuzzInterpret(f *testing.F) {
	for _, s := range []string{
		`{"code":200,"msg":"success","data":{"taskId":"x"}}`, `{"code":"401","message":"no"}`, `<html></html>`, ``,
		`{"code":200,"success":false}`, `{"code":1e3}`, `{"code":-1}`, `{"code":200.5}`,
	} {
		f.Add(200, []byte(s))
	}
	c := &Client{cfg: Config{APIKey: "fuzz-key"}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		data, err := c.interpret("fuzz", status, body)
		if err == nil && data == nil && len(body) == 0 {
			t.Fatal("empty body accepted")
		}
		if err != nil {
			_ = err.Error()
		}
	})
}

func FuzzVerifyCallback(f *testing.F) {
	key := []byte("k")
	ts, sig := SignCallback(key, "t1", time.Unix(1700000000, 0))
	f.Add([]byte(`{"code":200,"data":{"taskId":"t1","state":"success"}}`), ts, sig)
	f.Add([]byte(`{"code":200,"data":{"task_id":"t1","callbackType":"text"}}`), ts, sig)
	f.Add([]byte(`{"data":null}`), "", "")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		h := http.Header{HeaderWebhookTimestamp: {ts}, HeaderWebhookSignature: {sig}}
		hint, err := VerifyCallback(key, h, body, time.Unix(1700000000, 0), 0)
		if err == nil && (!hint.Verified || hint.TaskID == "") {
			t.Fatalf("accepted without verification: %+v", hint)
		}
		if err == nil {
			got, _ := base64.StdEncoding.DecodeString(sig)
			if !hmac.Equal(got, callbackMAC(key, hint.TaskID, ts)) {
				t.Fatalf("accepted signature %q for %q", sig, hint.TaskID)
			}
		}
	})
}
