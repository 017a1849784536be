package fsm

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// sessionVersion changes when session's meaning changes; older data is
// dropped (the user lands at the menu) rather than misread.
const sessionVersion = 1

// session is the machine's own data, persisted as JSON with the state.
// Buttons refer into it by short indexes, never by free text.
type session struct {
	V     int    `json:"v"`
	Seq   uint64 `json:"seq,omitempty"` // interactive screens rendered so far; feeds the nonce
	Nonce string `json:"n,omitempty"`   // the current screen's nonce: only its buttons are live

	Cat  string `json:"cat,omitempty"`  // category being browsed, or catFree
	Page int    `json:"page,omitempty"` // page of that list
	// Listed is the list as it was shown: a model button's index points
	// into it, so a model switched off meanwhile cannot shift an old
	// button onto its neighbour.
	Listed []string `json:"listed,omitempty"`

	Model     string              `json:"model,omitempty"` // the model being ordered
	Pos       int                 `json:"pos,omitempty"`   // index into the model's input plan
	Params    pricing.Params      `json:"params,omitempty"`
	Files     map[string][]string `json:"files,omitempty"`      // field → Telegram file ids
	FileNames map[string][]string `json:"file_names,omitempty"` // field → names, for the confirmation
	FileSecs  map[string][]int64  `json:"file_secs,omitempty"`  // field → durations Telegram reported (0: none)
	Shown     *shownPrice         `json:"shown,omitempty"`      // the price on the live confirmation

	Jobs []int64          `json:"jobs,omitempty"` // the job ids /history listed
	Done *submittedScreen `json:"done,omitempty"` // the last confirmation that was pressed

	Adm *adminSession `json:"adm,omitempty"` // the operator console's place (admins only)
}

// shownPrice is what the confirmation screen promised. A tap is honoured
// only at that price; if the quote moved, the screen is shown again.
type shownPrice struct {
	Kopecks int64 `json:"kopecks"`
	Free    bool  `json:"free,omitempty"`
}

// submittedScreen remembers a pressed confirmation, so a second tap on the
// same button yields the same CreateJob (one job, by its idempotency key).
type submittedScreen struct {
	Nonce string    `json:"n"`
	Job   CreateJob `json:"job"`
}

// catFree is the Cat of the free models' list.
const catFree = "free"

// loadSession decodes data. Empty, malformed or outdated data yields a
// fresh session: the conversation restarts at the menu instead of failing.
func loadSession(data []byte) session {
	var s session
	if len(data) == 0 || json.Unmarshal(data, &s) != nil || s.V != sessionVersion {
		return session{V: sessionVersion}
	}
	return s
}

func (s *session) encode() ([]byte, error) {
	s.V = sessionVersion
	return json.Marshal(s)
}

// clearOrder forgets the model being ordered and its inputs.
func (s *session) clearOrder() {
	s.Model, s.Pos, s.Params, s.Files, s.FileNames, s.FileSecs, s.Shown = "", 0, nil, nil, nil, nil, nil
}

// rotate gives the next interactive screen a fresh nonce, so every older
// screen's buttons become stale. The nonce mixes the user, a counter and
// the clock, so a reset session never revives a button from an older one.
func (s *session) rotate(userID int64, now int64) {
	s.Seq++
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], uint64(userID))
	binary.BigEndian.PutUint64(b[8:], s.Seq)
	binary.BigEndian.PutUint64(b[16:], uint64(now))
	sum := sha256.Sum256(b[:])
	s.Nonce = strings.ToLower(base32.StdEncoding.EncodeToString(sum[:])[:nonceLen])
}

// Callback data is "<nonce>|<action>|<arg>", at most 64 bytes.
//
// A nonce of globalNonce marks buttons rendered outside a Step (result
// messages, insufficient funds): their argument is an id the machine
// re-validates (a job via Facts.Job, a model via the registry). Any other
// nonce must be the session's current one, and its argument is a small
// index into a list the machine recomputes or keeps in the session.
const (
	nonceLen    = 6
	globalNonce = "*"
	maxCallback = 64
)

// Actions in callback data.
const (
	aMenu     = "menu"  // the main menu
	aCat      = "cat"   // open category <index into Registry.Categories()>
	aFree     = "free"  // open the free models
	aPage     = "pg"    // page <n> of the current list
	aModel    = "mdl"   // open model <index into the list> (global: <model id>)
	aGo       = "go"    // start the inputs from the card
	aOpt      = "opt"   // choose option <index into the field's choices>
	aSkip     = "skip"  // skip an optional input, or keep the current value
	aFilesOK  = "fok"   // enough files: go on
	aClear    = "clr"   // forget the files sent for this input
	aBack     = "back"  // the previous input (or the card, or the list)
	aReview   = "rev"   // to the confirmation
	aSettings = "set"   // ask the optional inputs
	aEdit     = "edit"  // ask the required inputs again
	aConfirm  = "ok"    // confirmed
	aRefresh  = "upd"   // re-read balance and limits
	aCancel   = "x"     // cancel the order
	aBalance  = "bal"   // the balance screen
	aHistory  = "hist"  // the history screen
	aTopUp    = "top"   // the top-up screen
	aPack     = "pack"  // buy package <index into Env.StarsPackages>
	aHelp     = "help"  // help
	aLang     = "lang"  // the language screen
	aSetLang  = "sl"    // choose language "ru" or "en"
	aResend   = "send"  // resend result of job <index into session.Jobs> (global: <job id>)
	aRepeat   = "again" // repeat job <index into session.Jobs> (global: <job id>)
)

func callbackData(nonce, action, arg string) string {
	return nonce + "|" + action + "|" + arg
}

// parseCallback splits callback data; ok is false for anything not made by
// callbackData (wrong shape, oversize, a nonce of the wrong form).
func parseCallback(data string) (nonce, action, arg string, ok bool) {
	if len(data) > maxCallback {
		return "", "", "", false
	}
	parts := strings.Split(data, "|")
	if len(parts) != 3 || parts[1] == "" {
		return "", "", "", false
	}
	if parts[0] != globalNonce && len(parts[0]) != nonceLen {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// index parses a button's list index; ok only within [0, n).
func index(arg string, n int) (int, bool) {
	if len(arg) > 4 {
		return 0, false
	}
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= n {
		return 0, false
	}
	return i, true
}

// jobID parses a global button's job id.
func jobID(arg string) (int64, bool) {
	id, err := strconv.ParseInt(arg, 10, 64)
	return id, err == nil && id > 0
}
