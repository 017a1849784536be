package fsm

// Texts of the console's broadcasts section (the progress line and the
// states' names are the operator's, in texts_ops.go).
const (
	KeySectionBroadcasts Key = "admin.section.broadcasts"
	KeyBcListTitle       Key = "bc.list.title"
	KeyBcListEmpty       Key = "bc.list.empty"
	KeyBcListLine        Key = "bc.list.line"
	KeyAskBcText         Key = "bc.ask.text"
	KeyAskBcPhoto        Key = "bc.ask.photo"
	KeyAskBcButton       Key = "bc.ask.button"
	KeyAskBcDays         Key = "bc.ask.days"
	KeyBcTextEmpty       Key = "bc.text_empty"
	KeyBcTextLong        Key = "bc.text_long"
	KeyBcPhotoOnly       Key = "bc.photo_only"
	KeyBcButtonBad       Key = "bc.button_bad"
	KeyBcButtonText      Key = "bc.button_text"
	KeyBcButtonURL       Key = "bc.button_url"
	KeyBcDaysBad         Key = "bc.days_bad"
	KeyBcDraftTitle      Key = "bc.draft.title"
	KeyBcDraftText       Key = "bc.draft.text"
	KeyBcDraftPhoto      Key = "bc.draft.photo"
	KeyBcDraftNoPhoto    Key = "bc.draft.no_photo"
	KeyBcDraftButton     Key = "bc.draft.button"
	KeyBcDraftNoButton   Key = "bc.draft.no_button"
	KeyBcDraftHint       Key = "bc.draft.hint"
	KeyBcPreviewing      Key = "bc.previewing"
	KeyBcPreviewed       Key = "bc.previewed"
	KeyBcRefused         Key = "bc.refused"
	KeyBcPreviewFailed   Key = "bc.preview_failed"
	KeyBcAudienceTitle   Key = "bc.audience.title"
	KeyBcAudienceHint    Key = "bc.audience.hint"
	KeyBcAudEveryone     Key = "bc.aud.everyone"
	KeyBcAudPaying       Key = "bc.aud.paying"
	KeyBcAudActive       Key = "bc.aud.active"
	KeyBcAudRussian      Key = "bc.aud.russian"
	KeyBcAudEnglish      Key = "bc.aud.english"
	KeyBcConfirm         Key = "bc.confirm"
	KeyBcBusy            Key = "bc.busy"
	KeyBcNobody          Key = "bc.nobody"
	KeyBcStarting        Key = "bc.starting"
	KeyBcAlreadyStarted  Key = "bc.already_started"
	KeyBcCancelAsk       Key = "bc.cancel_ask"
	KeyBcPausing         Key = "bc.pausing"
	KeyBcResuming        Key = "bc.resuming"
	KeyBcCancelling      Key = "bc.cancelling"
	KeyBcNotNow          Key = "bc.not_now"
	KeyBcDiscarded       Key = "bc.discarded"
	KeyBcStartRefused    Key = "bc.start_refused"
	KeyAuditBcCreate     Key = "admin.audit.bc_create"
	KeyAuditBcPreview    Key = "admin.audit.bc_preview"
	KeyAuditBcStart      Key = "admin.audit.bc_start"
	KeyAuditBcPause      Key = "admin.audit.bc_pause"
	KeyAuditBcResume     Key = "admin.audit.bc_resume"
	KeyAuditBcCancel     Key = "admin.audit.bc_cancel"

	KeyBtnBcNew       Key = "bc.btn.new"
	KeyBtnBcContinue  Key = "bc.btn.continue"
	KeyBtnBcText      Key = "bc.btn.text"
	KeyBtnBcPhoto     Key = "bc.btn.photo"
	KeyBtnBcNoPhoto   Key = "bc.btn.no_photo"
	KeyBtnBcButton    Key = "bc.btn.button"
	KeyBtnBcNoButton  Key = "bc.btn.no_button"
	KeyBtnBcPreview   Key = "bc.btn.preview"
	KeyBtnBcDiscard   Key = "bc.btn.discard"
	KeyBtnBcList      Key = "bc.btn.list"
	KeyBtnBcEveryone  Key = "bc.btn.everyone"
	KeyBtnBcPaying    Key = "bc.btn.paying"
	KeyBtnBcAnyTime   Key = "bc.btn.any_time"
	KeyBtnBcDays      Key = "bc.btn.days"
	KeyBtnBcDaysN     Key = "bc.btn.days_n"
	KeyBtnBcAllLangs  Key = "bc.btn.all_langs"
	KeyBtnBcRussian   Key = "bc.btn.russian"
	KeyBtnBcEnglish   Key = "bc.btn.english"
	KeyBtnBcNext      Key = "bc.btn.next"
	KeyBtnBcEdit      Key = "bc.btn.edit"
	KeyBtnBcStart     Key = "bc.btn.start"
	KeyBtnBcAudience  Key = "bc.btn.audience"
	KeyBtnBcPause     Key = "bc.btn.pause"
	KeyBtnBcResume    Key = "bc.btn.resume"
	KeyBtnBcCancel    Key = "bc.btn.cancel"
	KeyBtnBcCancelYes Key = "bc.btn.cancel_yes"
	KeyBtnBcCancelNo  Key = "bc.btn.cancel_no"
	KeyBtnBcRefresh   Key = "bc.btn.refresh"
)

var bcTexts = map[Key][2]string{ // [RU, EN]
	KeySectionBroadcasts: {"📣 Рассылки", "📣 Broadcasts"},
	KeyBcListTitle:       {"📣 <b>Рассылки</b> — последние", "📣 <b>Broadcasts</b> — the newest"},
	KeyBcListEmpty:       {"Рассылок ещё не было.", "No broadcasts yet."},
	KeyBcListLine: {
		"<b>#%d</b> · %s · %s\nКому: %s · отправлено %d из %d",
		"<b>#%d</b> · %s · %s\nTo: %s · sent %d of %d",
	},
	KeyAskBcText: {
		"📝 Пришлите текст рассылки. Оформите его как обычно в Telegram (жирный, курсив, ссылки) — оформление сохранится; или наберите теги Telegram HTML: <code>&lt;b&gt;</code>, <code>&lt;i&gt;</code>, <code>&lt;a href=\"https://…\"&gt;</code>. Можно сразу фото с подписью. До %d символов, с фото — до %d.",
		"📝 Send the broadcast's text. Format it as usual in Telegram (bold, italics, links) and the formatting is kept; or type Telegram HTML tags: <code>&lt;b&gt;</code>, <code>&lt;i&gt;</code>, <code>&lt;a href=\"https://…\"&gt;</code>. A photo with a caption works too. Up to %d characters, %d with a photo.",
	},
	KeyAskBcPhoto: {
		"🖼 Пришлите фото (как фото, не файлом). Текст рассылки станет подписью к нему — до %d символов; подпись к фото заменит текст.",
		"🖼 Send a photo (as a photo, not a file). The broadcast's text becomes its caption — up to %d characters; a caption you add replaces the text.",
	},
	KeyAskBcButton: {
		"🔗 Пришлите кнопку-ссылку так: <code>Текст | https://адрес</code>, например <code>Открыть сайт | https://example.com</code>.",
		"🔗 Send the link button as <code>Text | https://address</code>, e.g. <code>Open the site | https://example.com</code>.",
	},
	KeyAskBcDays: {
		"📅 Сколько последних дней? Рассылку получат те, кто писал боту за это время. Число от 1 до %d.",
		"📅 How many days back? Those who wrote to the bot in that time get it. A number from 1 to %d.",
	},
	KeyBcTextEmpty:  {"Нужен текст.", "The text is missing."},
	KeyBcTextLong:   {"Текст слишком длинный: %d символов, можно %d.", "The text is too long: %d characters, at most %d."},
	KeyBcPhotoOnly:  {"Нужна фотография — отправьте её как фото, не файлом.", "A photo is needed — send it as a photo, not as a file."},
	KeyBcButtonBad:  {"Не понял кнопку: нужны текст, вертикальная черта «|» и ссылка.", "I could not read the button: text, a vertical bar “|”, then the link."},
	KeyBcButtonText: {"Текст кнопки — от 1 до %d символов.", "The button's text must be 1 to %d characters."},
	KeyBcButtonURL:  {"Ссылка должна быть полным адресом, начинающимся с https://", "The link must be a full address starting with https://"},
	KeyBcDaysBad:    {"Нужно целое число от 1 до %d.", "A whole number from 1 to %d, please."},
	KeyBcDraftTitle: {"📣 <b>Новая рассылка</b> — черновик", "📣 <b>New broadcast</b> — draft"},
	KeyBcDraftText:  {"Текст (%d симв.) в том виде, как вы его прислали:\n%s", "Text (%d characters) as you sent it:\n%s"},
	KeyBcDraftPhoto: {"🖼 Фото: есть", "🖼 Photo: yes"},
	KeyBcDraftNoPhoto: {
		"🖼 Фото: нет", "🖼 Photo: none",
	},
	KeyBcDraftButton:   {"🔗 Кнопка: «%s» → %s", "🔗 Button: “%s” → %s"},
	KeyBcDraftNoButton: {"🔗 Кнопка: нет", "🔗 Button: none"},
	KeyBcDraftHint: {
		"«Предпросмотр» пришлёт рассылку вам — ровно так, как её получат пользователи, и Telegram проверит разметку. Больше никто ничего не получит.",
		"“Preview” sends the broadcast to you exactly as recipients will get it, and Telegram checks its markup. Nobody else gets anything.",
	},
	KeyBcPreviewing: {"Отправляю предпросмотр…", "Sending the preview…"},
	KeyBcPreviewed:  {"👆 Это предпросмотр: рассылку получат именно такой.", "👆 That is the preview: recipients get exactly this."},
	KeyBcRefused: {
		"Telegram не принял рассылку: <code>%s</code>\nНикому ничего не отправлено. Исправьте текст и снова нажмите «Предпросмотр».",
		"Telegram refused the broadcast: <code>%s</code>\nNothing was sent to anyone. Correct it and press “Preview” again.",
	},
	KeyBcPreviewFailed: {
		"Не удалось отправить предпросмотр: <code>%s</code>\nПопробуйте ещё раз.",
		"The preview could not be sent: <code>%s</code>\nPlease try again.",
	},
	KeyBcAudienceTitle: {"👥 <b>Кому отправить?</b>\nСейчас: %s", "👥 <b>Who gets it?</b>\nNow: %s"},
	KeyBcAudienceHint: {
		"Заблокированные администратором и те, кто заблокировал бота, рассылку не получают.",
		"Banned users and those who blocked the bot never get it.",
	},
	KeyBcAudEveryone: {"все пользователи", "everyone"},
	KeyBcAudPaying:   {"платившие", "paying users"},
	KeyBcAudActive:   {"писавшие боту за %d дн.", "active in the last %d days"},
	KeyBcAudRussian:  {"с русским языком", "speaking Russian"},
	KeyBcAudEnglish:  {"с английским языком", "speaking English"},
	KeyBcConfirm: {
		"🚀 <b>Запустить рассылку?</b>\nКому: %s\nПолучателей сейчас: <b>%d</b>\n\nОтправляет ведущий экземпляр бота; ход рассылки будет виден в этом сообщении.",
		"🚀 <b>Start the broadcast?</b>\nTo: %s\nRecipients now: <b>%d</b>\n\nThe leading instance sends it; this message will show its progress.",
	},
	KeyBcBusy: {
		"Рассылка #%d ещё не закончена (%s): новую можно начать, когда она завершится или будет отменена.",
		"Broadcast #%d is not over (%s): a new one can start once it ends or is cancelled.",
	},
	KeyBcNobody:         {"Под эти условия никто не подходит.", "Nobody matches this audience."},
	KeyBcStarting:       {"Запускаю…", "Starting…"},
	KeyBcAlreadyStarted: {"Эта рассылка уже запущена.", "This broadcast has already started."},
	KeyBcCancelAsk: {
		"Отменить рассылку насовсем? Кто её ещё не получил, уже не получит.",
		"Cancel the broadcast for good? Whoever has not got it yet never will.",
	},
	KeyBcPausing:      {"Ставлю на паузу…", "Pausing…"},
	KeyBcResuming:     {"Продолжаю…", "Resuming…"},
	KeyBcCancelling:   {"Отменяю…", "Cancelling…"},
	KeyBcNotNow:       {"Это уже неприменимо — вот что сейчас.", "That no longer applies — here is where it stands."},
	KeyBcDiscarded:    {"Черновик удалён", "Draft discarded"},
	KeyBcStartRefused: {"⛔ Рассылка не запущена: %s", "⛔ The broadcast was not started: %s"},
	KeyAuditBcCreate:  {"📝 создана рассылка %s: %s", "📝 created broadcast %s: %s"},
	KeyAuditBcPreview: {"👁 предпросмотр рассылки %s", "👁 previewed broadcast %s"},
	KeyAuditBcStart:   {"🚀 запущена рассылка %s: %s", "🚀 started broadcast %s: %s"},
	KeyAuditBcPause:   {"⏸ пауза рассылки %s", "⏸ paused broadcast %s"},
	KeyAuditBcResume:  {"▶️ продолжена рассылка %s", "▶️ resumed broadcast %s"},
	KeyAuditBcCancel:  {"⛔ отменена рассылка %s", "⛔ cancelled broadcast %s"},

	KeyBtnBcNew:       {"➕ Новая рассылка", "➕ New broadcast"},
	KeyBtnBcContinue:  {"✏️ Продолжить черновик", "✏️ Continue the draft"},
	KeyBtnBcText:      {"✏️ Текст", "✏️ Text"},
	KeyBtnBcPhoto:     {"🖼 Фото", "🖼 Photo"},
	KeyBtnBcNoPhoto:   {"🗑 Без фото", "🗑 No photo"},
	KeyBtnBcButton:    {"🔗 Кнопка", "🔗 Button"},
	KeyBtnBcNoButton:  {"🗑 Без кнопки", "🗑 No button"},
	KeyBtnBcPreview:   {"👁 Предпросмотр", "👁 Preview"},
	KeyBtnBcDiscard:   {"🗑 Удалить черновик", "🗑 Discard the draft"},
	KeyBtnBcList:      {"📣 Рассылки", "📣 Broadcasts"},
	KeyBtnBcEveryone:  {"Все", "Everyone"},
	KeyBtnBcPaying:    {"💳 Платившие", "💳 Paying users"},
	KeyBtnBcAnyTime:   {"Любая активность", "Any activity"},
	KeyBtnBcDays:      {"%d дн.", "%d days"},
	KeyBtnBcDaysN:     {"N дн.…", "N days…"},
	KeyBtnBcAllLangs:  {"Все языки", "All languages"},
	KeyBtnBcRussian:   {"Русский", "Russian"},
	KeyBtnBcEnglish:   {"Английский", "English"},
	KeyBtnBcNext:      {"➡️ Дальше", "➡️ Next"},
	KeyBtnBcEdit:      {"✏️ Черновик", "✏️ The draft"},
	KeyBtnBcStart:     {"🚀 Запустить", "🚀 Start"},
	KeyBtnBcAudience:  {"◀️ Аудитория", "◀️ Audience"},
	KeyBtnBcPause:     {"⏸ Пауза", "⏸ Pause"},
	KeyBtnBcResume:    {"▶️ Продолжить", "▶️ Resume"},
	KeyBtnBcCancel:    {"⛔ Отменить", "⛔ Cancel"},
	KeyBtnBcCancelYes: {"⛔ Да, отменить", "⛔ Yes, cancel it"},
	KeyBtnBcCancelNo:  {"↩️ Нет", "↩️ No"},
	KeyBtnBcRefresh:   {"🔄 Обновить", "🔄 Refresh"},
}
