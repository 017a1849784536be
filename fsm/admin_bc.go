package fsm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The console's broadcasts section.
//
//	broadcasts ──➕──▶ ask text ──▶ draft ──🖼 / 🔗──▶ ask photo / button ──▶ draft
//	(the newest;                     │ ▲
//	 #n: its status)                 │ └── refused: Telegram's words ──┐
//	                                 └──👁──▶ PreviewBroadcast … Outcome ┴─ taken ─▶ audience ─▶ confirm (count) ─🚀─▶ LaunchBroadcast
//
// The preview is the actor's: it sends the draft to the admin's chat
// exactly as recipients will get it (Telegram checks the HTML there) and
// steps the machine again with an InputOutcome. Only a draft Telegram took
// gets an audience, and any change to it asks for a new preview.
//
// A broadcast's status (its progress message) carries global buttons —
// pause, resume, cancel (asked again), refresh — which the leader's
// sender renders too as it edits that message; each re-reads the
// broadcast, and the actor applies a control only where it still makes
// sense.

// Broadcast actions in callback data: the section's own (current screen)…
const (
	aBcNew      = "bcn"  // compose a new broadcast
	aBcOpen     = "bco"  // open broadcast <index into the list shown>
	aBcText     = "bct"  // type the text again
	aBcPhoto    = "bcf"  // send a photo
	aBcNoPhoto  = "bcf0" // remove the photo
	aBcButton   = "bcb"  // type the URL button
	aBcNoButton = "bcb0" // remove it
	aBcPreview  = "bcv"  // preview the draft
	aBcEveryone = "bcev" // audience: everyone
	aBcPaying   = "bcpy" // audience: paying users only, or not
	aBcDays     = "bcdy" // audience: active in the last <n> days (0: any time; "n": ask)
	aBcLang     = "bclg" // audience: language <"", ru, en>
	aBcNext     = "bcnx" // to the confirmation
	aBcAudience = "bcau" // back to the audience
	aBcStart    = "bcgo" // start it
	aBcDiscard  = "bcx0" // discard the draft
	aBcBack     = "bcbk" // back from a prompt
)

// …and the global ones (argument: a broadcast id, or none).
const (
	aBcList      = "bcl"  // the broadcasts list
	aBcDraft     = "bcdr" // the draft in progress
	aBcStatus    = "bcs"  // a broadcast's status, refreshed
	aBcPause     = "bcp"  // pause it
	aBcResume    = "bcr"  // resume it
	aBcCancel    = "bcc"  // ask whether to cancel it
	aBcCancelYes = "bcy"  // cancel it
)

func isBcAction(a string) bool {
	switch a {
	case aBcNew, aBcOpen, aBcText, aBcPhoto, aBcNoPhoto, aBcButton, aBcNoButton, aBcPreview, aBcEveryone, aBcPaying,
		aBcDays, aBcLang, aBcNext, aBcAudience, aBcStart, aBcDiscard, aBcBack, aBcDraft, aBcList:
		return true
	}
	return false
}

func isBcGlobal(a string) bool {
	switch a {
	case aBcList, aBcDraft, aBcStatus, aBcPause, aBcResume, aBcCancel, aBcCancelYes:
		return true
	}
	return false
}

// What the section waits for the admin to send (adminSession.Ask).
const (
	askBcText   = "bc_text"
	askBcPhoto  = "bc_photo"
	askBcButton = "bc_button"
	askBcDays   = "bc_days"
)

func isBcAsk(k string) bool {
	switch k {
	case askBcText, askBcPhoto, askBcButton, askBcDays:
		return true
	}
	return false
}

// Telegram's limits on a broadcast (the actor's validator has the last
// word, counting as Telegram does).
const (
	maxBcText      = 4096 // visible characters of a message
	maxBcCaption   = 1024 // of a photo's caption
	maxBcButton    = 64   // characters of a button's text
	maxBcURL       = 2048 // bytes of its link
	maxBcDays      = 3650
	bcListSize     = 6
	bcListExcerpt  = 80
	bcDraftExcerpt = 600
)

// bcDraft is the broadcast being composed, in the session.
type bcDraft struct {
	BroadcastDraft
	Previewed bool `json:"ok,omitempty"` // Telegram took exactly this content in the admin's chat
}

// bcDone remembers a pressed start, so its second tap yields the same
// LaunchBroadcast (one broadcast, by its key).
type bcDone struct {
	Nonce string          `json:"n"`
	Cmd   LaunchBroadcast `json:"cmd"`
}

func (t *turn) bcFacts() BroadcastFacts { return t.env.Broadcasts }

// bcList shows the newest broadcasts.
func (t *turn) bcList(note string) error {
	bf := t.bcFacts()
	if bf == nil {
		return t.adminMenu(note)
	}
	list, err := bf.Broadcasts(bcListSize)
	if err != nil {
		return fmt.Errorf("read broadcasts: %w", err)
	}
	if !t.fire(EventAdminBroadcasts) {
		return t.stale()
	}
	a := t.adm()
	a.Ask, a.Act, a.BcList = "", nil, nil
	t.rotate()
	l := t.lang
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString(T(l, KeyBcListTitle))
	if len(list) == 0 {
		b.WriteString("\n\n" + T(l, KeyBcListEmpty))
	}
	var open []Button
	for i, v := range list {
		a.BcList = append(a.BcList, v.ID)
		b.WriteString("\n\n" + T(l, KeyBcListLine, v.ID, T(l, bcStateKey(v.State)), when(v.CreatedAt),
			describeAudience(l, v.Audience), v.Sent, v.Recipients))
		if ex := plainExcerpt(v.Text, bcListExcerpt); ex != "" {
			b.WriteString("\n<i>" + Escape(ex) + "</i>")
		}
		open = append(open, t.b("#"+strconv.FormatInt(v.ID, 10), aBcOpen, strconv.Itoa(i)))
	}
	rows := [][]Button{{t.b(T(l, KeyBtnBcNew), aBcNew, "")}}
	if a.Bc != nil {
		rows = append(rows, []Button{t.b(T(l, KeyBtnBcContinue), aBcDraft, "")})
	}
	for len(open) > 0 {
		n := min(3, len(open))
		rows, open = append(rows, open[:n]), open[n:]
	}
	rows = append(rows, []Button{t.b(T(l, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

// bcPrompt asks for a part of the draft.
func (t *turn) bcPrompt(kind, note string) error {
	a := t.adm()
	if a.Bc == nil {
		return t.bcList(note)
	}
	if !t.fire(EventAdminAsk) {
		return t.stale()
	}
	a.Ask = kind
	t.rotate()
	l := t.lang
	var text string
	switch kind {
	case askBcText:
		text = T(l, KeyAskBcText, maxBcText, maxBcCaption)
	case askBcPhoto:
		text = T(l, KeyAskBcPhoto, maxBcCaption)
	case askBcButton:
		text = T(l, KeyAskBcButton)
	default:
		text = T(l, KeyAskBcDays, maxBcDays)
	}
	if note != "" {
		text = note + "\n\n" + text
	}
	back := t.b(T(l, KeyBtnBack), aBcBack, "")
	if kind == askBcText && a.Bc.Text == "" {
		back = t.b(T(l, KeyBtnCancel), aBcDiscard, "")
	}
	t.show(Screen{Text: text, Buttons: [][]Button{{back}}})
	return nil
}

// bcInput takes what the admin sent at one of the section's prompts.
func (t *turn) bcInput() error {
	a := t.adm()
	d := a.Bc
	if d == nil {
		return t.bcList("")
	}
	l := t.lang
	f := t.in.File
	photo := f != nil && f.Kind == "photo" && f.FileID != ""
	switch a.Ask {
	case askBcText, askBcPhoto:
		if f != nil && !photo {
			return t.bcPrompt(a.Ask, "⚠️ "+T(l, KeyBcPhotoOnly))
		}
		if a.Ask == askBcPhoto && !photo {
			return t.bcPrompt(askBcPhoto, "⚠️ "+T(l, KeyBcPhotoOnly))
		}
		text := strings.TrimSpace(t.in.Text)
		if t.in.HTML != "" && text != "" {
			text = strings.TrimSpace(t.in.HTML) // formatted in the client: kept as it looks
		}
		if text == "" && (a.Ask == askBcText || d.Text == "") && !(photo && d.Text != "") {
			return t.bcPrompt(a.Ask, "⚠️ "+T(l, KeyBcTextEmpty))
		}
		next := d.BroadcastDraft
		if text != "" {
			next.Text = text
		}
		if photo {
			next.Photo = f.FileID
		}
		if p := textProblem(l, next); p != "" {
			return t.bcPrompt(a.Ask, "⚠️ "+p)
		}
		d.BroadcastDraft, d.Previewed = next, false
		return t.bcDraftScreen("")
	case askBcButton:
		text, link, problem := parseBcButton(t.in.Text)
		switch problem {
		case "":
		case KeyBcButtonText:
			return t.bcPrompt(askBcButton, "⚠️ "+T(l, problem, maxBcButton))
		default:
			return t.bcPrompt(askBcButton, "⚠️ "+T(l, problem))
		}
		d.ButtonText, d.ButtonURL, d.Previewed = text, link, false
		return t.bcDraftScreen("")
	case askBcDays:
		n, err := strconv.Atoi(strings.TrimSpace(t.in.Text))
		if err != nil || n < 1 || n > maxBcDays {
			return t.bcPrompt(askBcDays, "⚠️ "+T(l, KeyBcDaysBad, maxBcDays))
		}
		d.Audience.ActiveDays = n
		return t.bcAudience("")
	}
	return t.bcDraftScreen("")
}

// textProblem checks a draft's text against Telegram's length limits, as
// far as the machine can tell (tags do not count; entities count once).
func textProblem(l Lang, d BroadcastDraft) string {
	limit := maxBcText
	if d.Photo != "" {
		limit = maxBcCaption
	}
	if n := utf8.RuneCountInString(visibleText(d.Text)); n > limit {
		return T(l, KeyBcTextLong, n, limit)
	}
	if !utf8.ValidString(d.Text) {
		return T(l, KeyBcTextEmpty)
	}
	return ""
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// visibleText is an HTML text without its tags, entities decoded: what a
// recipient reads.
func visibleText(s string) string { return html.UnescapeString(tagRe.ReplaceAllString(s, "")) }

// plainExcerpt is the first n characters a recipient reads, on one line.
func plainExcerpt(s string, n int) string {
	return cutRunes(strings.Join(strings.Fields(visibleText(s)), " "), n)
}

// parseBcButton reads "Text | https://link" (or the text and the link on
// two lines); problem names the text explaining what is wrong.
func parseBcButton(s string) (text, link string, problem Key) {
	s = strings.TrimSpace(s)
	text, link, ok := strings.Cut(s, "|")
	if !ok {
		text, link, ok = strings.Cut(s, "\n")
	}
	if !ok {
		return "", "", KeyBcButtonBad
	}
	text, link = strings.TrimSpace(text), strings.TrimSpace(link)
	if n := utf8.RuneCountInString(text); n == 0 || n > maxBcButton {
		return "", "", KeyBcButtonText
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host == "" || len(link) > maxBcURL || strings.ContainsAny(link, " \t\r\n") {
		return "", "", KeyBcButtonURL
	}
	return text, link, ""
}

// bcDraftScreen shows the draft: its text as typed, photo and button, and
// what can be done with it.
func (t *turn) bcDraftScreen(note string) error {
	a := t.adm()
	d := a.Bc
	if d == nil {
		return t.bcList(note)
	}
	if d.Text == "" {
		return t.bcPrompt(askBcText, note)
	}
	if !t.fire(EventAdminBcDraft) {
		return t.stale()
	}
	a.Ask = ""
	t.rotate()
	l := t.lang
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString(T(l, KeyBcDraftTitle) + "\n\n")
	b.WriteString(T(l, KeyBcDraftText, utf8.RuneCountInString(visibleText(d.Text)), "<code>"+Escape(cutRunes(d.Text, bcDraftExcerpt))+"</code>"))
	if d.Photo != "" {
		b.WriteString("\n" + T(l, KeyBcDraftPhoto))
	} else {
		b.WriteString("\n" + T(l, KeyBcDraftNoPhoto))
	}
	if d.ButtonURL != "" {
		b.WriteString("\n" + T(l, KeyBcDraftButton, Escape(d.ButtonText), Escape(d.ButtonURL)))
	} else {
		b.WriteString("\n" + T(l, KeyBcDraftNoButton))
	}
	b.WriteString("\n\n" + T(l, KeyBcDraftHint))
	row1 := []Button{t.b(T(l, KeyBtnBcText), aBcText, ""), t.b(T(l, KeyBtnBcPhoto), aBcPhoto, "")}
	if d.Photo != "" {
		row1 = append(row1, t.b(T(l, KeyBtnBcNoPhoto), aBcNoPhoto, ""))
	}
	row2 := []Button{t.b(T(l, KeyBtnBcButton), aBcButton, "")}
	if d.ButtonURL != "" {
		row2 = append(row2, t.b(T(l, KeyBtnBcNoButton), aBcNoButton, ""))
	}
	rows := [][]Button{row1, row2, {t.b(T(l, KeyBtnBcPreview), aBcPreview, "")},
		{t.b(T(l, KeyBtnBcDiscard), aBcDiscard, ""), t.b(T(l, KeyBtnBcList), aBcList, "")}}
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

// bcOutcome takes the actor's report of a preview.
func (t *turn) bcOutcome() error {
	a := t.adm()
	o := t.in.Outcome
	if !t.env.IsAdmin || o == nil || a.Bc == nil || t.state() != StateAdminBcDraft {
		return nil // nothing to say: the draft is gone or was never there
	}
	l := t.lang
	if o.Refused != "" {
		key := KeyBcRefused
		if o.Transient {
			key = KeyBcPreviewFailed
		}
		a.Bc.Previewed = false
		return t.bcDraftScreen("⛔ " + T(l, key, Escape(cutRunes(o.Refused, 300))))
	}
	a.Bc.Previewed = true
	return t.bcAudience(T(l, KeyBcPreviewed))
}

// bcAudience shows who would get the previewed draft, with the filters.
func (t *turn) bcAudience(note string) error {
	a := t.adm()
	d := a.Bc
	if d == nil || !d.Previewed {
		return t.bcDraftScreen(note)
	}
	if !t.fire(EventAdminBcAudience) {
		return t.stale()
	}
	a.Ask = ""
	t.rotate()
	l := t.lang
	au := d.Audience
	text := T(l, KeyBcAudienceTitle, describeAudience(l, au)) + "\n\n" + T(l, KeyBcAudienceHint)
	if note != "" {
		text = note + "\n\n" + text
	}
	mark := func(on bool, label string) string {
		if on {
			return "✅ " + label
		}
		return label
	}
	custom := au.ActiveDays != 0 && au.ActiveDays != 7 && au.ActiveDays != 30
	daysN := T(l, KeyBtnBcDaysN)
	if custom {
		daysN = T(l, KeyBtnBcDays, au.ActiveDays)
	}
	rows := [][]Button{
		{t.b(mark(au == Audience{}, T(l, KeyBtnBcEveryone)), aBcEveryone, ""), t.b(mark(au.PayingOnly, T(l, KeyBtnBcPaying)), aBcPaying, "")},
		{t.b(mark(au.ActiveDays == 0, T(l, KeyBtnBcAnyTime)), aBcDays, "0"), t.b(mark(au.ActiveDays == 7, T(l, KeyBtnBcDays, 7)), aBcDays, "7"),
			t.b(mark(au.ActiveDays == 30, T(l, KeyBtnBcDays, 30)), aBcDays, "30"), t.b(mark(custom, daysN), aBcDays, "n")},
		{t.b(mark(au.Language == "", T(l, KeyBtnBcAllLangs)), aBcLang, ""), t.b(mark(au.Language == "ru", T(l, KeyBtnBcRussian)), aBcLang, "ru"),
			t.b(mark(au.Language == "en", T(l, KeyBtnBcEnglish)), aBcLang, "en")},
		{t.b(T(l, KeyBtnBcNext), aBcNext, "")},
		{t.b(T(l, KeyBtnBcEdit), aBcDraft, ""), t.b(T(l, KeyBtnBcDiscard), aBcDiscard, "")},
	}
	t.show(Screen{Text: text, Buttons: rows})
	return nil
}

// bcConfirm shows the recipient count as of now, and the start button if
// the broadcast can start.
func (t *turn) bcConfirm() error {
	a := t.adm()
	d := a.Bc
	bf := t.bcFacts()
	if d == nil || !d.Previewed || bf == nil {
		return t.bcDraftScreen("")
	}
	n, err := bf.CountAudience(d.Audience)
	if err != nil {
		return fmt.Errorf("count a broadcast's audience: %w", err)
	}
	active, busy, err := bf.ActiveBroadcast()
	if err != nil {
		return fmt.Errorf("read the active broadcast: %w", err)
	}
	if !t.fire(EventAdminBcConfirm) {
		return t.stale()
	}
	t.rotate()
	l := t.lang
	text := T(l, KeyBcConfirm, describeAudience(l, d.Audience), n)
	blocked := ""
	switch {
	case busy:
		blocked = T(l, KeyBcBusy, active.ID, T(l, bcStateKey(active.State)))
	case n == 0:
		blocked = T(l, KeyBcNobody)
	}
	var rows [][]Button
	if blocked == "" {
		rows = append(rows, []Button{t.b(T(l, KeyBtnBcStart), aBcStart, "")})
	} else {
		text += "\n\n⛔ " + blocked
	}
	if busy {
		rows = append(rows, []Button{{Text: "📣 #" + strconv.FormatInt(active.ID, 10), Data: callbackData(globalNonce, aBcStatus, strconv.FormatInt(active.ID, 10))}})
	}
	rows = append(rows, []Button{t.b(T(l, KeyBtnBcAudience), aBcAudience, ""), t.b(T(l, KeyBtnBcDiscard), aBcDiscard, "")})
	t.show(Screen{Text: text, Buttons: rows})
	return nil
}

// bcStart turns a tap on the confirmation into a LaunchBroadcast keyed by
// that screen.
func (t *turn) bcStart() error {
	a := t.adm()
	cmd := LaunchBroadcast{Draft: a.Bc.BroadcastDraft}
	cmd.Key = bcKey(t.env.UserID, t.s.Nonce, cmd.Draft)
	a.BcDone = &bcDone{Nonce: t.s.Nonce, Cmd: cmd}
	a.Bc, a.Ask = nil, ""
	t.fire(EventAdminBroadcasts)
	t.rotate() // every other button of the confirmation is stale now
	t.cmd = cmd
	t.answer(T(t.lang, KeyBcStarting), false)
	return nil
}

// bcKey derives a LaunchBroadcast's idempotency key from the confirmation
// screen (its nonce) and the broadcast.
func bcKey(adminID int64, nonce string, d BroadcastDraft) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%t\x00%d\x00%s", adminID, nonce, d.Text, d.Photo, d.ButtonText, d.ButtonURL,
		d.Audience.PayingOnly, d.Audience.ActiveDays, d.Audience.Language)
	return "tg:" + strconv.FormatInt(adminID, 10) + ":" + hex.EncodeToString(h.Sum(nil))[:32]
}

// bcAction handles a button of one of the section's screens.
func (t *turn) bcAction(action, arg string) error {
	a := t.adm()
	st := t.state()
	d := a.Bc
	l := t.lang
	switch action {
	case aBcNew:
		if st != StateAdminBroadcasts {
			return t.stale()
		}
		a.Bc = &bcDraft{}
		return t.bcPrompt(askBcText, "")
	case aBcOpen:
		i, ok := index(arg, len(a.BcList))
		if !ok || st != StateAdminBroadcasts || t.bcFacts() == nil {
			return t.stale()
		}
		return t.bcShowStatus(a.BcList[i])
	case aBcDiscard:
		if d == nil {
			return t.stale()
		}
		a.Bc = nil
		t.answer(T(l, KeyBcDiscarded), false)
		return t.bcList("")
	case aBcBack:
		if st != StateAdminAsk || d == nil {
			return t.stale()
		}
		if a.Ask == askBcDays {
			return t.bcAudience("")
		}
		return t.bcDraftScreen("")
	case aBcList:
		return t.bcList("")
	}
	if d == nil {
		return t.stale()
	}
	switch action {
	case aBcText, aBcPhoto, aBcButton:
		if st != StateAdminBcDraft {
			return t.stale()
		}
		return t.bcPrompt(map[string]string{aBcText: askBcText, aBcPhoto: askBcPhoto, aBcButton: askBcButton}[action], "")
	case aBcNoPhoto, aBcNoButton:
		if st != StateAdminBcDraft {
			return t.stale()
		}
		if action == aBcNoPhoto {
			d.Photo = ""
		} else {
			d.ButtonText, d.ButtonURL = "", ""
		}
		d.Previewed = false
		return t.bcDraftScreen("")
	case aBcPreview:
		if st != StateAdminBcDraft || d.Text == "" {
			return t.stale()
		}
		if p := textProblem(l, d.BroadcastDraft); p != "" {
			return t.bcDraftScreen("⚠️ " + p)
		}
		t.cmd = PreviewBroadcast{Draft: d.BroadcastDraft}
		t.answer(T(l, KeyBcPreviewing), false)
		return nil // the actor previews, then steps again with the outcome
	case aBcEveryone, aBcPaying, aBcDays, aBcLang:
		if st != StateAdminBcAudience || !d.Previewed {
			return t.stale()
		}
		switch action {
		case aBcEveryone:
			d.Audience = Audience{}
		case aBcPaying:
			d.Audience.PayingOnly = !d.Audience.PayingOnly
		case aBcDays:
			switch arg {
			case "0", "7", "30":
				d.Audience.ActiveDays, _ = strconv.Atoi(arg)
			case "n":
				return t.bcPrompt(askBcDays, "")
			default:
				return t.stale()
			}
		default:
			if arg != "" && arg != "ru" && arg != "en" {
				return t.stale()
			}
			d.Audience.Language = arg
		}
		return t.bcAudience("")
	case aBcNext:
		if st != StateAdminBcAudience {
			return t.stale()
		}
		return t.bcConfirm()
	case aBcAudience:
		if st != StateAdminBcConfirm {
			return t.stale()
		}
		return t.bcAudience("")
	case aBcStart:
		if st != StateAdminBcConfirm || !d.Previewed {
			return t.stale()
		}
		return t.bcStart()
	case aBcDraft:
		return t.bcDraftScreen("")
	}
	return t.stale()
}

// bcGlobal handles the section's global buttons: the list, the draft in
// progress, and a broadcast's status and controls. The controls change no
// state of the conversation: whatever the admin was doing goes on.
func (t *turn) bcGlobal(action, arg string) error {
	bf := t.bcFacts()
	if bf == nil {
		return t.stale()
	}
	switch action {
	case aBcList:
		return t.bcList("")
	case aBcDraft:
		if t.adm().Bc == nil {
			return t.bcList("")
		}
		return t.bcDraftScreen("")
	}
	id, ok := jobID(arg)
	if !ok {
		return t.stale()
	}
	v, found, err := bf.Broadcast(id)
	if err != nil {
		return fmt.Errorf("read broadcast %d: %w", id, err)
	}
	if !found {
		return t.stale()
	}
	t.fresh = false // a status is a text message: it is edited in place
	l := t.lang
	control := func(kind BroadcastControl, applies bool, answer Key) error {
		if !applies {
			t.answer(T(l, KeyBcNotNow), false)
			t.show(BroadcastStatus(l, v))
			return nil
		}
		t.cmd = ControlBroadcast{ID: id, Kind: kind, Key: "cb:" + t.in.CallbackID}
		t.answer(T(l, answer), false)
		return nil
	}
	switch action {
	case aBcPause:
		return control(BroadcastPause, v.State == "sending", KeyBcPausing)
	case aBcResume:
		return control(BroadcastResume, v.State == "paused", KeyBcResuming)
	case aBcCancelYes:
		return control(BroadcastCancel, !v.Final(), KeyBcCancelling)
	case aBcCancel:
		if v.Final() {
			t.show(BroadcastStatus(l, v))
			return nil
		}
		t.show(BroadcastCancelAsk(l, v))
		return nil
	}
	t.show(BroadcastStatus(l, v)) // aBcStatus: refreshed
	return nil
}

// bcShowStatus shows broadcast id's status in place of the list.
func (t *turn) bcShowStatus(id int64) error {
	v, found, err := t.bcFacts().Broadcast(id)
	if err != nil {
		return fmt.Errorf("read broadcast %d: %w", id, err)
	}
	if !found {
		return t.bcList("")
	}
	t.show(BroadcastStatus(t.lang, v))
	return nil
}

// bcCurrent shows the section's current screen again.
func (t *turn) bcCurrent(note string) error {
	switch t.state() {
	case StateAdminBcDraft:
		return t.bcDraftScreen(note)
	case StateAdminBcAudience:
		return t.bcAudience(note)
	case StateAdminBcConfirm:
		return t.bcConfirm()
	}
	return t.bcList(note)
}

// describeAudience names an audience in a sentence's words.
func describeAudience(l Lang, a Audience) string {
	var parts []string
	if a.PayingOnly {
		parts = append(parts, T(l, KeyBcAudPaying))
	}
	if a.ActiveDays > 0 {
		parts = append(parts, T(l, KeyBcAudActive, a.ActiveDays))
	}
	switch a.Language {
	case "ru":
		parts = append(parts, T(l, KeyBcAudRussian))
	case "en":
		parts = append(parts, T(l, KeyBcAudEnglish))
	}
	if len(parts) == 0 {
		return T(l, KeyBcAudEveryone)
	}
	return strings.Join(parts, ", ")
}

func bcStateKey(s string) Key {
	switch s {
	case "ready":
		return KeyBroadcastReady
	case "sending":
		return KeyBroadcastSending
	case "paused":
		return KeyBroadcastPaused
	case "done":
		return KeyBroadcastDone
	case "cancelled":
		return KeyBroadcastCancelled
	}
	return KeyBroadcastDraft
}

// BroadcastStatus is a broadcast's progress as the admin sees it — sent,
// failed, blocked, skipped, unknown, left — with the controls its state
// allows (global buttons: the leader's sender renders the same as it
// edits the progress message).
func BroadcastStatus(lang Lang, v BroadcastView) Screen {
	total := v.Sent + v.Failed + v.Blocked + v.Skipped + v.Unknown + v.Left
	text := T(lang, KeyBroadcastProgress, v.ID, T(lang, bcStateKey(v.State)), v.Sent, total, v.Failed, v.Blocked, v.Skipped, v.Unknown, v.Left)
	id := strconv.FormatInt(v.ID, 10)
	g := func(label Key, action string) Button {
		return Button{Text: T(lang, label), Data: callbackData(globalNonce, action, id)}
	}
	var rows [][]Button
	switch v.State {
	case "sending":
		rows = [][]Button{{g(KeyBtnBcPause, aBcPause), g(KeyBtnBcCancel, aBcCancel)}, {g(KeyBtnBcRefresh, aBcStatus)}}
	case "paused":
		rows = [][]Button{{g(KeyBtnBcResume, aBcResume), g(KeyBtnBcCancel, aBcCancel)}, {g(KeyBtnBcRefresh, aBcStatus)}}
	default:
		rows = [][]Button{{{Text: T(lang, KeyBtnBcList), Data: callbackData(globalNonce, aBcList, "")}}}
	}
	return Screen{Text: text, Buttons: rows}
}

// BroadcastCancelAsk asks whether to cancel a broadcast for good.
func BroadcastCancelAsk(lang Lang, v BroadcastView) Screen {
	s := BroadcastStatus(lang, v)
	id := strconv.FormatInt(v.ID, 10)
	s.Text += "\n\n" + T(lang, KeyBcCancelAsk)
	s.Buttons = [][]Button{{
		{Text: T(lang, KeyBtnBcCancelYes), Data: callbackData(globalNonce, aBcCancelYes, id)},
		{Text: T(lang, KeyBtnBcCancelNo), Data: callbackData(globalNonce, aBcStatus, id)},
	}}
	return s
}

// BroadcastRefused replaces a pressed start the actor could not carry out
// (another broadcast started meanwhile, say): why, in the store's words.
func BroadcastRefused(lang Lang, why string) Screen {
	return Screen{Text: T(lang, KeyBcStartRefused, Escape(cutRunes(why, 300))),
		Buttons: [][]Button{{{Text: T(lang, KeyBtnBcList), Data: callbackData(globalNonce, aBcList, "")}}}}
}
