package fsm

// Texts of the order flow: model lists, cards, inputs and the confirmation.
const (
	KeyFreeTitle        Key = "list.free_title"
	KeyListHint         Key = "list.hint"
	KeyPageOf           Key = "list.page"
	KeyFrom             Key = "list.from"
	KeyFreeMark         Key = "list.free"
	KeyBtnPrev          Key = "btn.prev"
	KeyBtnNext          Key = "btn.next"
	KeyCardNeeds        Key = "card.needs"
	KeyCardFree         Key = "card.free"
	KeyCardOnePrice     Key = "card.one_price"
	KeyCardPrices       Key = "card.prices"
	KeyBtnStart         Key = "btn.start"
	KeyAskStep          Key = "ask.step"
	KeyAskExtra         Key = "ask.extra"
	KeyOptional         Key = "ask.optional"
	KeyCurrentValue     Key = "ask.current"
	KeySendFile         Key = "ask.file"
	KeySendFiles        Key = "ask.files"
	KeySizeLimit        Key = "ask.size_limit"
	KeyTypeText         Key = "ask.text"
	KeyMinChars         Key = "ask.min_chars"
	KeyMaxChars         Key = "ask.max_chars"
	KeyTypeInteger      Key = "ask.integer"
	KeyTypeNumber       Key = "ask.number"
	KeyBetween          Key = "ask.between"
	KeyAtLeast          Key = "ask.at_least"
	KeyAtMost           Key = "ask.at_most"
	KeyChoose           Key = "ask.choose"
	KeyFilesCount       Key = "ask.files_count"
	KeyFilesReceived    Key = "ask.files_received"
	KeyYes              Key = "yes"
	KeyNo               Key = "no"
	KeySeconds          Key = "seconds"
	KeyMediaImage       Key = "media.image"
	KeyMediaVideo       Key = "media.video"
	KeyMediaAudio       Key = "media.audio"
	KeyMediaFile        Key = "media.file"
	KeyBtnSkip          Key = "btn.skip"
	KeyBtnKeep          Key = "btn.keep"
	KeyBtnFilesDone     Key = "btn.files_done"
	KeyBtnFilesAgain    Key = "btn.files_again"
	KeyBtnToConfirm     Key = "btn.to_confirm"
	KeyWantFile         Key = "err.want_file"
	KeyWantText         Key = "err.want_text"
	KeyTapButton        Key = "err.tap_button"
	KeyFileUnreadable   Key = "err.file_unreadable"
	KeyFileOver20MB     Key = "err.file_over_20mb"
	KeyErrEmpty         Key = "err.empty"
	KeyErrTooShort      Key = "err.too_short"
	KeyErrTooLong       Key = "err.too_long"
	KeyErrInteger       Key = "err.integer"
	KeyErrNumber        Key = "err.number"
	KeyErrBounds        Key = "err.bounds"
	KeyErrFileType      Key = "err.file_type"
	KeyErrFileTooBig    Key = "err.file_too_big"
	KeyErrMediaTooLong  Key = "err.media_too_long"
	KeyNoDuration       Key = "err.no_duration"
	KeyErrTooManyFiles  Key = "err.too_many_files"
	KeyErrTooFewFiles   Key = "err.too_few_files"
	KeyErrInput         Key = "err.input"
	KeyNeedInput        Key = "err.need_input"
	KeyChooseAgain      Key = "err.choose_again"
	KeyConfirmTitle     Key = "confirm.title"
	KeyPrice            Key = "confirm.price"
	KeyPriceFree        Key = "confirm.free"
	KeyFreeOver         Key = "confirm.free_over"
	KeyBalanceNow       Key = "confirm.balance"
	KeyBalanceAfter     Key = "confirm.balance_after"
	KeyHeld             Key = "balance.held"
	KeyShort            Key = "confirm.short"
	KeyShortTopUp       Key = "confirm.short_topup"
	KeyBusy             Key = "confirm.busy"
	KeyHoldNote         Key = "confirm.hold_note"
	KeyBtnConfirm       Key = "btn.confirm"
	KeyBtnConfirmFree   Key = "btn.confirm_free"
	KeyBtnRefresh       Key = "btn.refresh"
	KeyBtnSettings      Key = "btn.settings"
	KeyBtnEdit          Key = "btn.edit"
	KeyPriceChanged     Key = "confirm.price_changed"
	KeyShortAnswer      Key = "confirm.short_answer"
	KeyBusyAnswer       Key = "confirm.busy_answer"
	KeySent             Key = "confirm.sent"
	KeyAlreadySent      Key = "confirm.already_sent"
	KeyRepeatNote       Key = "repeat.note"
	KeyRepeating        Key = "repeat.answer"
	KeyBtnBackToOrder   Key = "btn.back_to_order"
	KeyFreeLimitReached Key = "free.limit_reached"
)

var flowTexts = map[Key][2]string{ // [RU, EN]
	KeyFreeTitle: {"<b>🎁 Бесплатные модели</b> — до %d генераций в день", "<b>🎁 Free models</b> — up to %d generations a day"},
	KeyListHint:  {"Модели от дешёвых к дорогим. Нажмите, чтобы увидеть цены.", "Cheapest first. Tap a model to see its prices."},
	KeyPageOf:    {"Страница %d из %d", "Page %d of %d"},
	KeyFrom:      {"от %s", "from %s"},
	KeyFreeMark:  {"🎁 бесплатно", "🎁 free"},
	KeyBtnPrev:   {"◀️ Назад", "◀️ Previous"},
	KeyBtnNext:   {"Дальше ▶️", "Next ▶️"},
	KeyCardNeeds: {"Понадобится: %s.", "You will need: %s."},
	KeyCardFree: {
		"🎁 Бесплатно: до %d генераций в день (на все бесплатные модели). Дальше — по цене ниже.",
		"🎁 Free: up to %d generations a day (across all free models). After that, the price below applies.",
	},
	KeyCardOnePrice: {"Цена: <b>%s</b> за генерацию.", "Price: <b>%s</b> per generation."},
	KeyCardPrices:   {"Цены за генерацию:", "Price per generation:"},
	KeyBtnStart:     {"▶️ Создать", "▶️ Create"},
	KeyAskStep:      {"<b>%s</b> · шаг %d из %d", "<b>%s</b> · step %d of %d"},
	KeyAskExtra:     {"<b>%s</b> · доп. настройка %d из %d", "<b>%s</b> · extra setting %d of %d"},
	KeyOptional:     {"(необязательно)", "(optional)"},
	KeyCurrentValue: {"Сейчас: %s", "Current: %s"},
	KeySendFile:     {"Отправьте %s — как фото/медиа или файлом.", "Send %s — as media or as a file."},
	KeySendFiles: {
		"Отправьте %s: от %d до %d файлов, можно по одному.",
		"Send %s: %d to %d files, one at a time is fine.",
	},
	KeySizeLimit:     {"Размер — до %s МБ.", "Up to %s MB each."},
	KeyTypeText:      {"Напишите текст сообщением.", "Type it as a message."},
	KeyMinChars:      {"Не короче %d символов.", "At least %d characters."},
	KeyMaxChars:      {"До %d символов.", "Up to %d characters."},
	KeyTypeInteger:   {"Отправьте целое число", "Send a whole number"},
	KeyTypeNumber:    {"Отправьте число", "Send a number"},
	KeyBetween:       {"от %s до %s.", "from %s to %s."},
	KeyAtLeast:       {"не меньше %s.", "of at least %s."},
	KeyAtMost:        {"не больше %s.", "of at most %s."},
	KeyChoose:        {"Выберите вариант:", "Choose an option:"},
	KeyFilesCount:    {"📎 %d", "📎 %d"},
	KeyFilesReceived: {"📎 Получено файлов: %d из %d возможных.", "📎 Received %d of up to %d files."},
	KeyYes:           {"Да", "Yes"},
	KeyNo:            {"Нет", "No"},
	KeySeconds:       {"%s с", "%s s"},
	KeyMediaImage:    {"фото", "a photo"},
	KeyMediaVideo:    {"видео", "a video"},
	KeyMediaAudio:    {"аудио", "an audio file"},
	KeyMediaFile:     {"файл", "a file"},
	KeyBtnSkip:       {"⏭ Пропустить", "⏭ Skip"},
	KeyBtnKeep:       {"↩️ Оставить как есть", "↩️ Keep as is"},
	KeyBtnFilesDone:  {"✅ Готово (%d)", "✅ Done (%d)"},
	KeyBtnFilesAgain: {"🗑 Отправить заново", "🗑 Start over"},
	KeyBtnToConfirm:  {"✅ К подтверждению", "✅ To confirmation"},
	KeyWantFile:      {"Здесь нужен файл: пришлите %s.", "A file is needed here: please send %s."},
	KeyWantText:      {"Здесь нужен текст или число — напишите его сообщением.", "Text or a number is needed here — please type it."},
	KeyTapButton:     {"Пожалуйста, выберите один из вариантов кнопкой ниже.", "Please choose one of the options with the buttons below."},
	KeyFileUnreadable: {
		"Не удалось прочитать этот файл. Попробуйте отправить его ещё раз.",
		"I could not read this file. Please try sending it again.",
	},
	KeyFileOver20MB: {
		"Файл весит %s МБ, а Telegram позволяет ботам скачивать файлы только до 20 МБ. Пришлите файл поменьше или сожмите его.",
		"This file is %s MB, and Telegram lets bots download files of up to 20 MB only. Please send a smaller or compressed file.",
	},
	KeyErrEmpty:    {"Текст пустой — напишите что-нибудь.", "The text is empty — please write something."},
	KeyErrTooShort: {"Слишком коротко: нужно не меньше %s символов.", "Too short: at least %s characters, please."},
	KeyErrTooLong: {
		"Слишком длинно: %d символов, а можно не больше %s. Сократите текст и отправьте снова.",
		"Too long: %d characters, and the limit is %s. Please shorten it and send again.",
	},
	KeyErrInteger:      {"Нужно целое число", "A whole number is needed"},
	KeyErrNumber:       {"Нужно число (например, 0.5)", "A number is needed (e.g. 0.5)"},
	KeyErrBounds:       {"Число вне допустимых пределов: нужно", "That number is out of range: it must be"},
	KeyErrFileType:     {"Этот файл не подходит: нужно %s.", "This file does not fit: %s is needed."},
	KeyErrFileTooBig:   {"Файл слишком большой: для этой модели — до %s МБ.", "The file is too large: this model takes up to %s MB."},
	KeyErrMediaTooLong: {"Слишком длинная запись: эта модель принимает до %s с.", "Too long: this model takes up to %s s."},
	KeyNoDuration: {"Цена этой модели считается по длительности записи, а Telegram не сообщил длительность этого файла. Отправьте его как аудио, голосовое или видео, а не как документ.",
		"This model is priced by the length of the recording, and Telegram did not report this file's length. Send it as audio, a voice message or a video, not as a document."},
	KeyErrTooManyFiles: {"Слишком много файлов: не больше %s.", "Too many files: %s at most."},
	KeyErrTooFewFiles:  {"Нужно не меньше %s файлов.", "At least %s files are needed."},
	KeyErrInput:        {"Это не подходит — попробуйте ещё раз.", "That does not fit — please try again."},
	KeyNeedInput:       {"Чтобы продолжить, укажите: %s.", "To continue, please give: %s."},
	KeyChooseAgain: {
		"Для такого сочетания нет цены — выберите вариант заново.",
		"That combination has no price — please choose again.",
	},
	KeyConfirmTitle: {"<b>Проверьте заказ</b>\nМодель: <b>%s</b>", "<b>Check your order</b>\nModel: <b>%s</b>"},
	KeyPrice:        {"Цена: <b>%s</b>", "Price: <b>%s</b>"},
	KeyPriceFree: {
		"Цена: <b>🎁 бесплатно</b> (осталось сегодня: %d из %d)",
		"Price: <b>🎁 free</b> (left today: %d of %d)",
	},
	KeyFreeOver: {
		"🎁 Бесплатные генерации на сегодня закончились (%d в день) — эта пойдёт по обычной цене.",
		"🎁 Today's free generations are used up (%d a day) — this one is at the normal price.",
	},
	KeyBalanceNow:   {"Баланс: %s", "Balance: %s"},
	KeyBalanceAfter: {"Баланс: %s → после заказа: %s", "Balance: %s → after this order: %s"},
	KeyHeld:         {"В резерве за текущие заказы: %s", "Reserved for running orders: %s"},
	KeyShort:        {"⚠️ Не хватает %s.", "⚠️ You are %s short."},
	KeyShortTopUp:   {"Пополните баланс — и возвращайтесь сюда.", "Top up, then come back here."},
	KeyBusy: {
		"⚠️ Сейчас выполняется заказов: %d (можно не больше %d одновременно). Дождитесь, пока один из них завершится, и нажмите «Обновить».",
		"⚠️ You have %d orders running (at most %d at a time). Wait for one to finish, then tap “Refresh”.",
	},
	KeyHoldNote: {
		"Сумма резервируется и списывается только за готовый результат.",
		"The amount is reserved and charged only for a finished result.",
	},
	KeyBtnConfirm:     {"✅ Подтвердить · %s", "✅ Confirm · %s"},
	KeyBtnConfirmFree: {"✅ Подтвердить · бесплатно", "✅ Confirm · free"},
	KeyBtnRefresh:     {"🔄 Обновить", "🔄 Refresh"},
	KeyBtnSettings:    {"⚙️ Доп. настройки (%d)", "⚙️ More settings (%d)"},
	KeyBtnEdit:        {"✏️ Изменить", "✏️ Change"},
	KeyPriceChanged:   {"Цена изменилась — проверьте заказ ещё раз.", "The price has changed — please check the order again."},
	KeyShortAnswer:    {"Не хватает средств на балансе.", "Your balance is too low."},
	KeyBusyAnswer:     {"Одновременно можно не больше %d заказов — дождитесь завершения одного из них.", "At most %d orders can run at a time — please wait for one to finish."},
	KeySent:           {"Оформляю заказ…", "Placing the order…"},
	KeyAlreadySent:    {"Этот заказ уже отправлен.", "This order has already been sent."},
	KeyRepeatNote:     {"🔁 Повтор заказа %s — цена пересчитана.", "🔁 Repeating order %s — the price is quoted afresh."},
	KeyRepeating:      {"Повторяем заказ", "Repeating the order"},
	KeyBtnBackToOrder: {"↩️ К заказу", "↩️ Back to the order"},
	KeyFreeLimitReached: {
		"🎁 Бесплатные генерации на сегодня закончились (%d в день). Завтра будут новые, а платные модели доступны всегда.",
		"🎁 Today's free generations are used up (%d a day). New ones come tomorrow, and paid models are always available.",
	},
}
