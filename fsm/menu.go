package fsm

import (
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// Welcome is a greeting with the user's (escaped) name and one button that
// opens the main menu. The conversation's own /start shows the full menu;
// this is for callers without a registry at hand.
func Welcome(lang Lang, firstName string) Screen {
	return Screen{
		Text:    T(lang, KeyWelcome, Escape(displayName(lang, firstName)), makes(lang, true, true, false)),
		Buttons: [][]Button{{{Text: T(lang, KeyBtnMenu), Data: callbackData(globalNonce, aMenu, "")}}},
	}
}

// makes names what the bot creates: "images and videos", or "images,
// videos and audio — …" when audio is on sale.
func makes(lang Lang, images, videos, audio bool) string {
	var parts []string
	if images {
		parts = append(parts, T(lang, KeyMakesImages))
	}
	if videos {
		parts = append(parts, T(lang, KeyMakesVideos))
	}
	if audio {
		parts = append(parts, T(lang, KeyMakesAudio))
	}
	if len(parts) == 0 {
		parts = []string{T(lang, KeyMakesImages), T(lang, KeyMakesVideos)}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + T(lang, KeyMakesAnd) + parts[len(parts)-1]
}

// welcome greets the user with what is on sale now.
func (t *turn) welcome() string {
	var images, videos, audio bool
	for _, m := range t.reg.Models() {
		if t.env.SwitchedOff[m.ID()] {
			continue
		}
		switch m.Output() {
		case pricing.MediaImage:
			images = true
		case pricing.MediaVideo:
			videos = true
		case pricing.MediaAudio:
			audio = true
		}
	}
	return T(t.lang, KeyWelcome, Escape(displayName(t.lang, t.env.FirstName)), makes(t.lang, images, videos, audio))
}

// Hint answers text the bot does not understand.
func Hint(lang Lang) Screen { return Screen{Text: T(lang, KeyHint)} }

// Apology is the screen for a failure on our side.
func Apology(lang Lang) Screen {
	return Screen{Text: T(lang, KeySorry), Buttons: [][]Button{{menuButton(lang)}}}
}

// Outdated is the answerCallbackQuery text for a button from an old screen.
func Outdated(lang Lang) string { return T(lang, KeyMenuOutdated) }

// menuButton opens the main menu from any message.
func menuButton(lang Lang) Button {
	return Button{Text: T(lang, KeyBtnMenu), Data: callbackData(globalNonce, aMenu, "")}
}

// displayName is the name to greet: the user's, cut to a sane length, or a
// friendly word.
func displayName(lang Lang, first string) string {
	first = strings.TrimSpace(first)
	if first == "" {
		return T(lang, KeyFriend)
	}
	return cutRunes(first, 64)
}

// freeTier reports whether free models are offered: the pricer has some and
// the daily limit allows any.
func (t *turn) freeTier() bool {
	return t.env.FreeDailyLimit > 0 && len(t.freeModels()) > 0
}

// isFree reports whether a model is offered free.
func (t *turn) isFree(id string) bool {
	return t.freeTier() && t.env.Pricer.IsFree(id) && !t.env.SwitchedOff[id]
}

// selling reports whether prices can be quoted.
func (t *turn) selling() bool { return t.env.Pricer.Ready() == nil }

// mainMenu shows the main menu with note (a greeting, "cancelled", …) above.
func (t *turn) mainMenu(note string) error {
	t.rotate()
	t.s.Listed = nil
	var text strings.Builder
	if note != "" {
		text.WriteString(note + "\n\n")
	}
	text.WriteString(T(t.lang, KeyMenuTitle))
	if !t.selling() {
		text.WriteString("\n\n" + T(t.lang, KeySalesPaused))
	}
	var rows [][]Button
	for i, c := range t.categories() {
		label := categoryIcon(c.Category) + " " + c.Category.Label().In(string(t.lang)) + " · " + strconv.Itoa(c.Count)
		rows = append(rows, []Button{t.b(label, aCat, strconv.Itoa(i))})
	}
	if t.freeTier() {
		label := T(t.lang, KeyBtnFree) + " · " + strconv.Itoa(len(t.freeModels()))
		rows = append(rows, []Button{t.b(label, aFree, "")})
	}
	rows = append(rows,
		[]Button{t.b(T(t.lang, KeyBtnBalance), aBalance, ""), t.b(T(t.lang, KeyBtnTopUp), aTopUp, "")},
		[]Button{t.b(T(t.lang, KeyBtnHistory), aHistory, ""), t.b(T(t.lang, KeyBtnHelp), aHelp, "")},
		[]Button{t.b(T(t.lang, KeyBtnInvite), aInvite, ""), t.b(T(t.lang, KeyBtnPromo), aPromo, "")},
		[]Button{t.b(T(t.lang, KeyBtnLanguage), aLang, "")},
	)
	t.show(Screen{Text: text.String(), Buttons: rows})
	return nil
}

func categoryIcon(c pricing.Category) string {
	switch c {
	case pricing.TextToImage:
		return "🖼"
	case pricing.ImageToImage:
		return "🎨"
	case pricing.TextToVideo:
		return "🎬"
	case pricing.ImageToVideo:
		return "📽"
	case pricing.VideoToVideo:
		return "🎞"
	case pricing.LipSync:
		return "🗣"
	case pricing.Upscale:
		return "🔍"
	case pricing.Audio:
		return "🎵"
	}
	return "•"
}

// help shows help, or with paySupport the payment-support text Telegram
// requires bots to answer /paysupport with.
func (t *turn) help(paySupport bool) error {
	if !t.fire(EventHelp) {
		return t.stale()
	}
	t.rotate()
	var text string
	if paySupport {
		contact := T(t.lang, KeySupportHere)
		if c := strings.TrimSpace(t.env.SupportContact); c != "" {
			contact = Escape(cutRunes(c, 100))
		}
		text = T(t.lang, KeyPaySupport, contact)
	} else {
		free := ""
		if t.freeTier() {
			free = "\n\n" + T(t.lang, KeyHelpFree, t.env.FreeDailyLimit)
		}
		text = T(t.lang, KeyHelp) + free
	}
	t.show(Screen{Text: text, Buttons: [][]Button{
		{t.b(T(t.lang, KeyBtnBalance), aBalance, ""), t.b(T(t.lang, KeyBtnHistory), aHistory, "")},
		{t.b(T(t.lang, KeyBtnMenu), aMenu, "")},
	}})
	return nil
}

// language shows the language choice.
func (t *turn) language() error {
	if !t.fire(EventLanguage) {
		return t.stale()
	}
	t.rotate()
	t.show(Screen{Text: T(t.lang, KeyLanguageTitle), Buttons: [][]Button{
		{t.b("🇷🇺 Русский", aSetLang, string(RU)), t.b("🇬🇧 English", aSetLang, string(EN))},
		{t.b(T(t.lang, KeyBtnMenu), aMenu, "")},
	}})
	return nil
}

// setLanguage switches the language; the rest of this Step already speaks it.
func (t *turn) setLanguage(arg string) error {
	if t.state() != StateLanguage || (arg != string(RU) && arg != string(EN)) {
		return t.stale()
	}
	t.lang = Lang(arg)
	t.cmd = SetLanguage{Lang: t.lang}
	t.answer(T(t.lang, KeyLanguageSet), false)
	t.fire(EventMenu)
	return t.mainMenu(T(t.lang, KeyLanguageSet))
}
