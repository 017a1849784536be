package fsm

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// plan is the order in which a model's inputs are asked: required files
// first ("send a photo, then say what to change"), then the other required
// inputs in schema order, then the optional ones (asked only on request,
// from the confirmation's "more settings"). Fields the registry fixes are
// never asked: pricing fills them in.
func plan(m *pricing.Model) (fields []pricing.Field, nRequired int) {
	var files, req, opt []pricing.Field
	for _, f := range m.Fields() {
		if _, fixed := f.Fixed(); fixed {
			continue
		}
		switch {
		case !required(f):
			opt = append(opt, f)
		case f.Type == pricing.KindFile:
			files = append(files, f)
		default:
			req = append(req, f)
		}
	}
	fields = append(append(files, req...), opt...)
	return fields, len(files) + len(req)
}

// required reports whether the user must give the field: price fields are
// always sent, and a file field is required when it needs at least one file.
func required(f pricing.Field) bool {
	if f.Type == pricing.KindFile {
		return minFiles(f) > 0
	}
	return f.Required || f.Price
}

// minFiles and maxFiles bound a file field's count, as Model.Input does.
func minFiles(f pricing.Field) int {
	if f.Required && !f.Multiple {
		return max(f.MinCount, 1)
	}
	return f.MinCount
}

func maxFiles(f pricing.Field) int {
	if !f.Multiple {
		return 1
	}
	return max(f.MaxCount, 1)
}

// telegramDownloadLimit is the largest file a bot may download with getFile.
const telegramDownloadLimit = 20 << 20

// order returns the model being ordered with its plan and the field being
// asked; ok is false when the model is gone or there is nothing to ask.
func (t *turn) order() (m *pricing.Model, fields []pricing.Field, nReq int, ok bool) {
	m, err := t.model(t.s.Model)
	if err != nil {
		return nil, nil, 0, false
	}
	fields, nReq = plan(m)
	return m, fields, nReq, true
}

func (t *turn) hasValue(f pricing.Field) bool {
	if f.Type == pricing.KindFile {
		return len(t.s.Files[f.Name]) > 0
	}
	_, ok := t.s.Params[f.Name]
	return ok
}

func (t *turn) setParam(name, v string) {
	if t.s.Params == nil {
		t.s.Params = pricing.Params{}
	}
	t.s.Params[name] = v
}

func (t *turn) clearField(f pricing.Field) {
	delete(t.s.Params, f.Name)
	delete(t.s.Files, f.Name)
	delete(t.s.FileNames, f.Name)
	delete(t.s.FileSecs, f.Name)
}

// inputAction handles the card's start button and the input screens'
// buttons.
func (t *turn) inputAction(action, arg string) error {
	st := t.state()
	if st != StateModel && st != StateInput && st != StateConfirm {
		return t.stale()
	}
	m, fields, nReq, ok := t.order()
	if !ok {
		return t.gone()
	}
	switch {
	case action == aBack && st == StateModel:
		if len(t.models(t.s.Cat)) == 0 || !t.fire(EventBrowse) {
			return t.stale()
		}
		return t.list("")
	case action == aGo && st == StateModel:
		if !t.selling() {
			t.answer(T(t.lang, KeySalesPausedShort), true)
			return t.card()
		}
		model := t.s.Model
		t.s.clearOrder()
		t.s.Model = model
		if nReq == 0 {
			return t.review("")
		}
		return t.goTo(0, len(fields))
	case (action == aSettings || action == aEdit) && st == StateConfirm:
		if action == aEdit {
			if nReq == 0 {
				return t.stale()
			}
			return t.goTo(0, len(fields))
		}
		if nReq >= len(fields) {
			return t.stale()
		}
		return t.goTo(nReq, len(fields))
	case st != StateInput || t.s.Pos < 0 || t.s.Pos >= len(fields):
		return t.stale()
	}
	f := fields[t.s.Pos]
	switch action {
	case aOpt:
		choices := t.choices(m, f)
		i, ok := index(arg, len(choices))
		if !ok {
			return t.stale()
		}
		t.setParam(f.Name, choices[i].Value)
		if f.Price {
			t.prune(m, f.Name)
		}
		return t.advance(nReq, len(fields))
	case aSkip:
		switch {
		case arg == "k" && t.hasValue(f): // keep the current value
		case arg == "" && !required(f):
			t.clearField(f)
		default:
			return t.stale()
		}
		return t.advance(nReq, len(fields))
	case aFilesOK:
		if n := len(t.s.Files[f.Name]); f.Type != pricing.KindFile || n == 0 || n < minFiles(f) {
			return t.stale()
		}
		return t.advance(nReq, len(fields))
	case aClear:
		if f.Type != pricing.KindFile {
			return t.stale()
		}
		t.clearField(f)
		return t.ask("")
	case aBack:
		switch {
		case t.s.Pos == 0:
			t.fire(EventOpen)
			return t.card()
		case t.s.Pos == nReq:
			return t.review("")
		}
		t.s.Pos--
		return t.ask("")
	case aReview:
		if t.s.Pos < nReq {
			return t.stale()
		}
		return t.review("")
	}
	return t.stale()
}

// goTo asks field pos, or reviews when there is nothing left to ask.
func (t *turn) goTo(pos, n int) error {
	t.s.Pos = pos
	if pos >= n {
		return t.review("")
	}
	if !t.fire(EventAsk) {
		return t.stale()
	}
	return t.ask("")
}

// advance moves past the current field: the end of the required inputs or
// of the optional ones leads to the confirmation.
func (t *turn) advance(nReq, n int) error {
	t.s.Pos++
	if t.s.Pos == nReq || t.s.Pos >= n {
		return t.review("")
	}
	t.fire(EventAsk)
	return t.ask("")
}

// prune drops other price fields' values that the new choice leaves
// without an official price; the review then asks for them again.
func (t *turn) prune(m *pricing.Model, changed string) {
	for _, name := range m.PriceFields() {
		v, ok := t.s.Params[name]
		if name == changed || !ok {
			continue
		}
		if !slices.ContainsFunc(m.Choices(name, t.s.Params), func(c pricing.Choice) bool { return c.Value == v }) {
			delete(t.s.Params, name)
		}
	}
}

// choice is an option button: a value and, for price fields, its price.
type choice struct {
	Value string
	From  int64        // kopecks; 0 when not shown
	Unit  pricing.Unit // what From is per ("" or PerTask: per generation)
}

// choices lists an enum or bool field's options that still have a price
// given the other choices, in the registry's order. Buttons index into it,
// and it is recomputed from the session, so an index always means the same.
//
// Only the choices asked before f restrict it: going back to an earlier
// option offers all of them again, and prune then drops later values the
// new choice leaves unpriced.
func (t *turn) choices(m *pricing.Model, f pricing.Field) []choice {
	chosen := maps.Clone(t.s.Params)
	fields, _ := plan(m)
	if i := slices.IndexFunc(fields, func(g pricing.Field) bool { return g.Name == f.Name }); i >= 0 {
		for _, later := range fields[i+1:] {
			delete(chosen, later.Name)
		}
	}
	var out []choice
	if f.Price && t.selling() {
		pcs, err := t.env.Pricer.Choices(m.ID(), f.Name, chosen)
		if err == nil {
			for _, c := range pcs {
				out = append(out, choice{Value: c.Value, From: c.FromKopecks, Unit: c.Unit})
			}
			return out
		}
	}
	for _, c := range m.Choices(f.Name, chosen) {
		out = append(out, choice{Value: c.Value})
	}
	return out
}

// inputText takes typed text for the field being asked.
func (t *turn) inputText() error {
	_, fields, nReq, ok := t.order()
	if !ok {
		return t.gone()
	}
	if t.s.Pos < 0 || t.s.Pos >= len(fields) {
		return t.current("")
	}
	f := fields[t.s.Pos]
	switch f.Type {
	case pricing.KindFile:
		return t.reject(T(t.lang, KeyWantFile, mediaName(t.lang, f.Media)))
	case pricing.KindEnum, pricing.KindBool:
		return t.reject(T(t.lang, KeyTapButton))
	}
	v, err := f.Parse(t.in.Text)
	if err != nil {
		return t.reject(fieldErrorText(t.lang, f, t.in.Text, err))
	}
	t.setParam(f.Name, v)
	return t.advance(nReq, len(fields))
}

// inputFile takes a file for the field being asked.
func (t *turn) inputFile() error {
	m, fields, nReq, ok := t.order()
	if !ok {
		return t.gone()
	}
	if t.s.Pos < 0 || t.s.Pos >= len(fields) {
		return t.current("")
	}
	f := fields[t.s.Pos]
	file := t.in.File
	switch {
	case f.Type != pricing.KindFile:
		if f.Type == pricing.KindEnum || f.Type == pricing.KindBool {
			return t.reject(T(t.lang, KeyTapButton))
		}
		return t.reject(T(t.lang, KeyWantText))
	case file == nil || file.FileID == "":
		return t.reject(T(t.lang, KeyFileUnreadable))
	case file.Size > telegramDownloadLimit:
		return t.reject(T(t.lang, KeyFileOver20MB, megabytes(t.lang, file.Size)))
	}
	err := f.CheckFiles([]pricing.FileInfo{{Media: mediaOf(file), Size: file.Size, Seconds: file.Seconds}})
	if err != nil && !errors.Is(err, pricing.ErrTooFewFiles) {
		return t.reject(fieldErrorText(t.lang, f, "", err))
	}
	if file.Seconds <= 0 && measuredInSeconds(m, f.Name) {
		// The price is per second of this file and Telegram did not say how
		// long it is (a file sent as a document): it cannot be quoted.
		return t.reject(T(t.lang, KeyNoDuration))
	}
	if t.s.Files == nil {
		t.s.Files = map[string][]string{}
	}
	if t.s.FileNames == nil {
		t.s.FileNames = map[string][]string{}
	}
	if t.s.FileSecs == nil {
		t.s.FileSecs = map[string][]int64{}
	}
	ids, names, secs := t.s.Files[f.Name], t.s.FileNames[f.Name], t.s.FileSecs[f.Name]
	if !f.Multiple || len(ids) >= maxFiles(f) {
		ids, names, secs = nil, nil, nil // a new file replaces the old one(s)
	}
	t.s.Files[f.Name] = append(slices.Clone(ids), file.FileID)
	t.s.FileNames[f.Name] = append(slices.Clone(names), cutRunes(file.Name, 64))
	t.s.FileSecs[f.Name] = append(slices.Clone(secs), max(file.Seconds, 0))
	if len(t.s.Files[f.Name]) >= maxFiles(f) {
		if err := t.advance(nReq, len(fields)); err != nil {
			return err
		}
		return t.caption()
	}
	return t.ask(T(t.lang, KeyFilesReceived, len(t.s.Files[f.Name]), maxFiles(f)))
}

// caption takes a media caption (the actor passes it as Input.Text) as the
// answer to a text input that follows the file: "a photo with the edit
// written under it" fills both at once.
func (t *turn) caption() error {
	if strings.TrimSpace(t.in.Text) == "" || t.state() != StateInput {
		return nil
	}
	_, fields, _, ok := t.order()
	if !ok || t.s.Pos >= len(fields) || fields[t.s.Pos].Type != pricing.KindString {
		return nil
	}
	t.out = t.out[:0] // the prompt for that text is answered at once
	return t.inputText()
}

// reject re-asks the current field under a message about the bad input.
// The session is left exactly as it was, nonce included, so the buttons of
// the earlier prompt keep working.
func (t *turn) reject(msg string) error {
	keep := t.s
	keep.Params, keep.Files, keep.FileNames, keep.FileSecs = maps.Clone(t.s.Params), maps.Clone(t.s.Files), maps.Clone(t.s.FileNames), maps.Clone(t.s.FileSecs)
	err := t.askWith("⚠️ "+msg, false)
	t.s = keep
	return err
}

// mediaOf tells what a user's file is, from Telegram's message type, else
// its MIME type, else its name.
func mediaOf(f *File) pricing.Media {
	switch f.Kind {
	case "photo":
		return pricing.MediaImage
	case "video", "animation", "video_note":
		return pricing.MediaVideo
	case "audio", "voice":
		return pricing.MediaAudio
	}
	mime := strings.ToLower(f.MIME)
	switch {
	case strings.HasPrefix(mime, "image/"):
		return pricing.MediaImage
	case strings.HasPrefix(mime, "video/"):
		return pricing.MediaVideo
	case strings.HasPrefix(mime, "audio/"):
		return pricing.MediaAudio
	}
	name := strings.ToLower(f.Name)
	ext := name[strings.LastIndexByte(name, '.')+1:]
	switch ext {
	case "jpg", "jpeg", "png", "webp", "heic", "bmp":
		return pricing.MediaImage
	case "mp4", "mov", "webm", "mkv", "avi", "m4v":
		return pricing.MediaVideo
	case "mp3", "wav", "ogg", "oga", "m4a", "aac", "flac", "opus":
		return pricing.MediaAudio
	}
	return pricing.MediaOther
}

// megabytes renders a size as "20" or "20,5" (MB, one decimal at most).
func megabytes(lang Lang, size int64) string {
	tenths := max(size, 0) * 10 / (1 << 20)
	whole := strconv.FormatInt(tenths/10, 10)
	if tenths%10 == 0 {
		return whole
	}
	sep := ","
	if lang == EN {
		sep = "."
	}
	return whole + sep + strconv.FormatInt(tenths%10, 10)
}

// measuredInSeconds reports whether some price of m is counted per second
// of the file in field, so a file without a reported duration cannot be
// quoted there.
func measuredInSeconds(m *pricing.Model, field string) bool {
	for _, md := range m.Modes() {
		if b := md.PriceBasis(); b.PerUnit() && b.Field == field && b.Unit.Measures() == pricing.QuantitySeconds {
			return true
		}
	}
	return false
}

// quantity is what the order measures for a per-unit price: the duration
// Telegram reported for the files of the basis field (summed), or the
// length of its text. The zero Quantity when there is nothing to measure.
func (t *turn) quantity(b pricing.Basis) pricing.Quantity {
	switch b.Unit.Measures() {
	case pricing.QuantitySeconds:
		var total int64
		for _, s := range t.s.FileSecs[b.Field] {
			if s <= 0 {
				return pricing.Quantity{}
			}
			total += s
		}
		return pricing.Seconds(total)
	case pricing.QuantityCharacters:
		return pricing.CharactersOf(t.s.Params[b.Field])
	}
	return pricing.Quantity{}
}
