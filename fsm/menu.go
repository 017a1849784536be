package fsm

// Callback data of the main menu's buttons.
const (
	DataMenu     = "menu"
	DataImages   = "cat:image"
	DataVideo    = "cat:video"
	DataAudio    = "cat:audio"
	DataBalance  = "balance"
	DataTopUp    = "topup"
	DataHistory  = "history"
	DataHelp     = "help"
	DataLanguage = "lang"
)

// Welcome is the /start screen: a greeting with the user's (escaped) name
// and the main menu.
func Welcome(lang Lang, firstName string) Screen {
	name := firstName
	if name == "" {
		name = map[Lang]string{RU: "друг", EN: "there"}[lang]
	}
	return Screen{Text: T(lang, KeyWelcome, Escape(name)), Buttons: MainMenu(lang)}
}

// MainMenu is the inline main menu.
func MainMenu(lang Lang) [][]Button {
	b := func(k Key, data string) Button { return Button{Text: T(lang, k), Data: data} }
	return [][]Button{
		{b(KeyBtnImages, DataImages), b(KeyBtnVideo, DataVideo), b(KeyBtnAudio, DataAudio)},
		{b(KeyBtnBalance, DataBalance), b(KeyBtnTopUp, DataTopUp)},
		{b(KeyBtnHistory, DataHistory), b(KeyBtnHelp, DataHelp)},
		{b(KeyBtnLanguage, DataLanguage)},
	}
}

// Hint answers text the bot does not understand.
func Hint(lang Lang) Screen { return Screen{Text: T(lang, KeyHint)} }
