package fsm

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Key names one user-facing text. Every text the bot shows lives in the
// catalogue — one mechanism, split by topic over the texts_*.go files — in
// Russian (the default) and English.
type Key string

// Telegram's limits on what we send.
const (
	maxText   = 4096 // message text, characters
	maxAnswer = 200  // answerCallbackQuery text, characters
)

// T returns the text for key in lang, formatted with args. Arguments that
// come from users must be passed through Escape. A key missing from the
// catalogue (a bug a test catches) renders as the key itself rather than
// panicking in front of a user.
func T(lang Lang, key Key, args ...any) string {
	pair, ok := lookup(key)
	if !ok {
		return string(key)
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

// lookup finds a key in the topic tables. Each is a read-only literal.
func lookup(key Key) ([2]string, bool) {
	for _, table := range []map[Key][2]string{menuTexts, flowTexts, accountTexts, jobTexts, adminTexts, adminActTexts, adminPriceTexts, opsTexts, bcTexts, paymentTexts, subscriptionTexts, panelTexts, panelPageTexts, growthTexts} {
		if pair, ok := table[key]; ok {
			return pair, true
		}
	}
	return [2]string{}, false
}

// Escape makes user data safe inside Telegram HTML.
func Escape(s string) string { return html.EscapeString(s) }

// cutRunes bounds s to n runes, marking a cut with "…". Cut user data
// before escaping it, so an entity is never split.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// fitText keeps a screen within Telegram's 4096 characters. Screens are
// built far below it; this is the backstop, cutting at a line break (every
// line closes its own tags) so the HTML stays valid.
func fitText(s string) string {
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	r := []rune(s)[:maxText-2]
	cut := string(r)
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + "\n…"
}

// General texts: greetings, the menu, help, language, errors.
const (
	KeyWelcome          Key = "welcome"
	KeyMakesImages      Key = "welcome.images"
	KeyMakesVideos      Key = "welcome.videos"
	KeyMakesAudio       Key = "welcome.audio"
	KeyMakesAnd         Key = "welcome.and"
	KeyFriend           Key = "friend"
	KeyHint             Key = "hint"
	KeyMenuTitle        Key = "menu.title"
	KeyCancelled        Key = "cancelled"
	KeyCancelledShort   Key = "cancelled.short"
	KeyBtnMenu          Key = "btn.menu"
	KeyBtnFree          Key = "btn.free"
	KeyBtnBalance       Key = "btn.balance"
	KeyBtnTopUp         Key = "btn.topup"
	KeyBtnHistory       Key = "btn.history"
	KeyBtnHelp          Key = "btn.help"
	KeyBtnLanguage      Key = "btn.language"
	KeyBtnBack          Key = "btn.back"
	KeyBtnCancel        Key = "btn.cancel"
	KeyHelp             Key = "help"
	KeyHelpFree         Key = "help.free"
	KeyPaySupport       Key = "paysupport"
	KeySupportHere      Key = "paysupport.here"
	KeyLanguageTitle    Key = "language.title"
	KeyLanguageSet      Key = "language.set"
	KeyFileNotNow       Key = "file.not_now"
	KeySalesPaused      Key = "sales.paused"
	KeySalesPausedShort Key = "sales.paused.short"
	KeyModelGone        Key = "model.gone"
	KeyModelGoneShort   Key = "model.gone.short"
	KeyNotYet           Key = "not_yet"
	KeySorry            Key = "sorry"
	KeyMenuOutdated     Key = "menu_outdated"
)

var menuTexts = map[Key][2]string{ // [RU, EN]
	KeyWelcome: {
		"Привет, %s! 👋\n\nЯ создаю %s с помощью нейросетей Kie.ai. Выберите, что сделать, — точную цену вы увидите до оплаты.",
		"Hi, %s! 👋\n\nI create %s with Kie.ai models. Choose what to make — you will see the exact price before you pay.",
	},
	KeyMakesImages: {"изображения", "images"},
	KeyMakesVideos: {"видео", "videos"},
	KeyMakesAudio:  {"аудио — речь, звуки и музыку", "audio — speech, sounds and music"},
	KeyMakesAnd:    {" и ", " and "},
	KeyFriend:      {"друг", "there"},
	KeyHint: {
		"Я понимаю команды и кнопки меню. Нажмите /start, чтобы открыть меню, или /help для справки.",
		"I understand commands and menu buttons. Send /start to open the menu or /help for help.",
	},
	KeyMenuTitle:      {"Что создадим? Выберите раздел:", "What shall we make? Choose a section:"},
	KeyCancelled:      {"Заказ отменён — ничего не списано.", "Cancelled — nothing was charged."},
	KeyCancelledShort: {"Отменено", "Cancelled"},
	KeyBtnMenu:        {"🏠 Меню", "🏠 Menu"},
	KeyBtnFree:        {"🎁 Бесплатно", "🎁 Free"},
	KeyBtnBalance:     {"💰 Баланс", "💰 Balance"},
	KeyBtnTopUp:       {"⭐ Пополнить", "⭐ Top up"},
	KeyBtnHistory:     {"🗂 История", "🗂 History"},
	KeyBtnHelp:        {"❓ Помощь", "❓ Help"},
	KeyBtnLanguage:    {"🌐 Язык · Language", "🌐 Language · Язык"},
	KeyBtnBack:        {"⬅️ Назад", "⬅️ Back"},
	KeyBtnCancel:      {"✖ Отмена", "✖ Cancel"},
	KeyHelp: {
		"<b>Как это работает</b>\n" +
			"1. Выберите раздел и модель — цена «от» видна сразу в списке.\n" +
			"2. Отправьте то, что попросит бот: текст, фото или видео.\n" +
			"3. Проверьте заказ: точная цена и баланс после оплаты видны до подтверждения.\n" +
			"4. Сумма резервируется и списывается только за готовый результат. Если генерация не удалась, деньги возвращаются на баланс.\n\n" +
			"<b>Команды</b>\n" +
			"/start — главное меню\n/balance — баланс и последние операции\n/topup — пополнить баланс звёздами Telegram\n" +
			"/history — последние заказы: получить результат ещё раз или повторить\n/cancel — отменить текущий заказ (ничего не списывается)\n" +
			"/language — язык\n/paysupport — помощь с оплатой",
		"<b>How it works</b>\n" +
			"1. Choose a section and a model — the starting price is shown in the list.\n" +
			"2. Send what the bot asks for: text, a photo or a video.\n" +
			"3. Check your order: the exact price and your balance after it are shown before you confirm.\n" +
			"4. The amount is reserved and charged only for a finished result. If a generation fails, the money returns to your balance.\n\n" +
			"<b>Commands</b>\n" +
			"/start — main menu\n/balance — balance and recent operations\n/topup — top up with Telegram Stars\n" +
			"/history — recent orders: get a result again or repeat it\n/cancel — cancel the current order (nothing is charged)\n" +
			"/language — language\n/paysupport — help with payments",
	},
	KeyHelpFree: {
		"🎁 Модели с пометкой «бесплатно» можно запускать до %d раз в день без оплаты.",
		"🎁 Models marked “free” can be run up to %d times a day at no cost.",
	},
	KeyPaySupport: {
		"<b>Помощь с оплатой</b>\n" +
			"Баланс пополняется звёздами Telegram (⭐). Каждое пополнение и списание видно в /balance.\n\n" +
			"• Если генерация не удалась, зарезервированная сумма возвращается на баланс автоматически.\n" +
			"• Если звёзды списались, а баланс не пополнился, или вы хотите вернуть платёж, напишите %s. Укажите дату, сумму и, если есть, номер заказа (#…).\n\n" +
			"Мы разбираем каждое обращение.",
		"<b>Help with payments</b>\n" +
			"Your balance is topped up with Telegram Stars (⭐). Every top-up and charge is listed in /balance.\n\n" +
			"• If a generation fails, the reserved amount returns to your balance automatically.\n" +
			"• If Stars were taken but your balance did not grow, or you want a payment refunded, write to %s. Give the date, the amount and, if any, the order number (#…).\n\n" +
			"We look into every request.",
	},
	KeySupportHere:   {"владельцу бота (контакт — в описании бота)", "the bot's owner (the contact is in the bot's description)"},
	KeyLanguageTitle: {"Выберите язык · Choose your language:", "Choose your language · Выберите язык:"},
	KeyLanguageSet:   {"Язык: русский", "Language: English"},
	KeyFileNotNow: {
		"Файлы я принимаю, когда прошу их в заказе. Откройте меню: /start",
		"I take files when an order asks for them. Open the menu: /start",
	},
	KeySalesPaused: {
		"⏸ Продажи временно приостановлены: цены сейчас обновляются. Меню работает, а заказы снова откроются совсем скоро — загляните чуть позже.",
		"⏸ Sales are paused for a moment while prices are updated. The menus work, and orders reopen soon — please check back a little later.",
	},
	KeySalesPausedShort: {"Продажи временно приостановлены", "Sales are paused for now"},
	KeyModelGone: {
		"Эта модель сейчас недоступна. Выберите другую в меню.",
		"This model is not available right now. Please choose another one.",
	},
	KeyModelGoneShort: {"Модель недоступна", "Model not available"},
	KeyNotYet:         {"Этот раздел скоро откроется.", "This section opens soon."},
	KeySorry: {
		"Извините, что-то пошло не так. Попробуйте ещё раз через минуту — деньги не списаны.",
		"Sorry, something went wrong. Please try again in a minute — nothing was charged.",
	},
	KeyMenuOutdated: {"Это меню устарело — вот актуальное.", "This menu is outdated — here is the current one."},
}
