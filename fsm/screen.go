package fsm

// Lang is a user's interface language.
type Lang string

const (
	RU Lang = "ru" // the default
	EN Lang = "en"
)

// LangOf maps a stored language code to a Lang, defaulting to Russian.
func LangOf(code string) Lang {
	if code == string(EN) {
		return EN
	}
	return RU
}

// Screen is what the bot shows: HTML text and inline buttons. It is
// platform-neutral; the conversation actor turns it into Bot API calls.
type Screen struct {
	Text    string     // Telegram HTML; user data in it is already escaped
	Buttons [][]Button // rows of inline buttons
}

// Button is one inline button: a callback (Data) or a link (URL).
type Button struct {
	Text string
	Data string // callback_data, at most 64 bytes
	URL  string
}
