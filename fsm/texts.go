package fsm

import (
	"fmt"
	"html"
)

// Key names one user-facing text. Every text the bot shows lives in the
// catalogue below, in Russian (the default) and English.
type Key string

const (
	KeyWelcome      Key = "welcome"
	KeyHint         Key = "hint"
	KeyBtnImages    Key = "btn.images"
	KeyBtnVideo     Key = "btn.video"
	KeyBtnAudio     Key = "btn.audio"
	KeyBtnBalance   Key = "btn.balance"
	KeyBtnTopUp     Key = "btn.topup"
	KeyBtnHistory   Key = "btn.history"
	KeyBtnHelp      Key = "btn.help"
	KeyBtnLanguage  Key = "btn.language"
	KeyNotYet       Key = "not_yet"
	KeySorry        Key = "sorry"
	KeyMenuOutdated Key = "menu_outdated"
)

// catalogue is read-only: texts are looked up, never changed at run time.
var catalogue = map[Key][2]string{ // [RU, EN]
	KeyWelcome: {
		"Привет, %s! 👋\n\nЯ создаю изображения, видео и аудио с помощью нейросетей Kie.ai. Выберите, что сделать, — цену вы увидите до оплаты.",
		"Hi, %s! 👋\n\nI create images, videos and audio with Kie.ai models. Choose what to make — you will see the exact price before you pay.",
	},
	KeyHint: {
		"Я понимаю команды и кнопки меню. Нажмите /start, чтобы открыть меню, или /help для справки.",
		"I understand commands and menu buttons. Send /start to open the menu or /help for help.",
	},
	KeyBtnImages:    {"🖼 Изображения", "🖼 Images"},
	KeyBtnVideo:     {"🎬 Видео", "🎬 Video"},
	KeyBtnAudio:     {"🎵 Аудио", "🎵 Audio"},
	KeyBtnBalance:   {"💰 Баланс", "💰 Balance"},
	KeyBtnTopUp:     {"⭐ Пополнить", "⭐ Top up"},
	KeyBtnHistory:   {"🗂 История", "🗂 History"},
	KeyBtnHelp:      {"❓ Помощь", "❓ Help"},
	KeyBtnLanguage:  {"🌐 English", "🌐 Русский"},
	KeyNotYet:       {"Этот раздел скоро откроется.", "This section opens soon."},
	KeySorry:        {"Извините, что-то пошло не так. Попробуйте ещё раз через минуту — деньги не списаны.", "Sorry, something went wrong. Please try again in a minute — nothing was charged."},
	KeyMenuOutdated: {"Это меню устарело — вот актуальное.", "This menu is outdated — here is the current one."},
}

// T returns the text for key in lang, formatted with args. Arguments that
// come from users must be passed through Escape (or use the typed screen
// builders, which do it).
func T(lang Lang, key Key, args ...any) string {
	pair, ok := catalogue[key]
	if !ok {
		panic(fmt.Sprintf("fsm: no text %q in the catalogue", key))
	}
	s := pair[0]
	if lang == EN {
		s = pair[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// Escape makes user data safe inside Telegram HTML.
func Escape(s string) string { return html.EscapeString(s) }
