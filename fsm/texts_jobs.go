package fsm

// Texts of a job's life after confirmation.
const (
	KeyJobAccepted     Key = "job.accepted"
	KeyJobAcceptedFree Key = "job.accepted_free"
	KeyJobAcceptedHeld Key = "job.accepted_held"
	KeyStageQueued     Key = "stage.queued"
	KeyStageGenerating Key = "stage.generating"
	KeyJobProgress     Key = "job.progress"
	KeyJobSucceeded    Key = "job.done"
	KeyJobFailed       Key = "job.failed_title"
	KeyFailRejected    Key = "fail.rejected"
	KeyFailFailed      Key = "fail.failed"
	KeyFailTimeout     Key = "fail.timeout"
	KeyFailUnavailable Key = "fail.unavailable"
	KeyFailRefunded    Key = "fail.refunded"
	KeyFailNotCharged  Key = "fail.not_charged"
	KeyBtnRetry        Key = "btn.retry"
	KeyResultCaption   Key = "result.caption"
	KeyBtnRepeatResult Key = "btn.repeat_result"
	KeyBtnToModel      Key = "btn.to_model"
	KeyResultLink      Key = "result.link"
	KeyBtnDownload     Key = "btn.download"
	KeyInsufficient    Key = "insufficient"
	KeyTooManyJobs     Key = "too_many_jobs"
	KeyRateLimited     Key = "rate_limited"
	KeyResultGone      Key = "result.gone"
	KeyResultLost      Key = "result.lost"
	KeyResultRefused   Key = "result.refused"
	KeyResultsPartial  Key = "result.partial"
	KeyFilesFailed     Key = "err.files_failed"
	KeyFileTooBigNow   Key = "err.file_too_big_now"
	KeyPaymentUnknown  Key = "pay.unknown"
	KeyRefundSpent     Key = "pay.refund_spent"
	KeyAdminRefunded   Key = "admin.refunded"
	KeyAdminRefundNo   Key = "admin.refund_no"
	KeyAdminRefundHelp Key = "admin.refund_help"
)

var jobTexts = map[Key][2]string{ // [RU, EN]
	KeyJobAccepted:     {"✅ Заказ %s принят: <b>%s</b>.", "✅ Order %s accepted: <b>%s</b>."},
	KeyJobAcceptedFree: {"🎁 Бесплатно. Пришлю результат сюда, как только он будет готов.", "🎁 Free. I will send the result here as soon as it is ready."},
	KeyJobAcceptedHeld: {
		"Зарезервировано %s — спишется только за готовый результат. Пришлю его сюда.",
		"%s reserved — charged only for a finished result. I will send it here.",
	},
	KeyStageQueued:     {"в очереди", "queued"},
	KeyStageGenerating: {"генерируется", "generating"},
	KeyJobProgress:     {"⏳ Заказ %s · <b>%s</b>\n%s… %d:%02d", "⏳ Order %s · <b>%s</b>\n%s… %d:%02d"},
	KeyJobSucceeded:    {"✅ Заказ %s готов: <b>%s</b>.", "✅ Order %s is ready: <b>%s</b>."},
	KeyJobFailed:       {"❌ Заказ %s не выполнен.", "❌ Order %s did not succeed."},
	KeyFailRejected: {
		"Модель отклонила запрос по правилам контента. Попробуйте переформулировать его.",
		"The model declined the request under its content rules. Try rephrasing it.",
	},
	KeyFailFailed:      {"Модель не смогла выполнить генерацию.", "The model could not complete the generation."},
	KeyFailTimeout:     {"Модель не успела выдать результат вовремя.", "The model did not deliver a result in time."},
	KeyFailUnavailable: {"Сервис генерации сейчас недоступен.", "The generation service is unavailable right now."},
	KeyFailRefunded:    {"💰 Деньги вернулись на баланс.", "💰 The money is back on your balance."},
	KeyFailNotCharged:  {"Ничего не списано.", "Nothing was charged."},
	KeyBtnRetry:        {"🔁 Попробовать снова", "🔁 Try again"},
	KeyResultCaption:   {"Заказ %s · %s", "Order %s · %s"},
	KeyBtnRepeatResult: {"🔁 Ещё раз", "🔁 Again"},
	KeyBtnToModel:      {"⬅️ К модели", "⬅️ To the model"},
	KeyResultLink: {
		"Результат не удалось прислать файлом в Telegram (он слишком большой или Telegram его не принял). Скачайте его по ссылке — она действует до %s (МСК).",
		"The result could not be sent as a file through Telegram (it is too big, or Telegram would not take it). Download it with the link — it works until %s (Moscow time).",
	},
	KeyBtnDownload: {"⬇️ Скачать", "⬇️ Download"},
	KeyInsufficient: {
		"💰 На балансе недостаточно средств: нужно %s, доступно %s.",
		"💰 Your balance is too low: %s is needed, %s is available.",
	},
	KeyTooManyJobs: {
		"⏳ Одновременно можно выполнять не больше %d заказов. Дождитесь, пока один из них завершится.",
		"⏳ At most %d orders can run at a time. Please wait for one to finish.",
	},
	KeyRateLimited: {"Слишком много сообщений подряд — подождите немного, пожалуйста.", "Too many messages in a row — please wait a moment."},
	KeyResultGone: {
		"Этот результат больше недоступен: файлы Kie хранятся ограниченное время. Закажите генерацию заново.",
		"This result is no longer available: Kie keeps files for a limited time. Please order it again.",
	},
	KeyResultLost: {
		"😔 Результат пропал у Kie раньше, чем я успел его прислать. Деньги за заказ вернулись на баланс — закажите генерацию заново.",
		"😔 The result vanished at Kie before I could send it. The price is back on your balance — please order it again.",
	},
	KeyResultRefused: {
		"Telegram не принял результат ни в каком виде, и доставить его не получилось.",
		"Telegram would not accept the result in any form, so it could not be delivered.",
	},
	KeyResultsPartial: {
		"😔 Не все результаты заказа %s удалось доставить: Telegram их не принял или они пропали у Kie.",
		"😔 Not every result of order %s could be delivered: Telegram would not accept them, or they vanished at Kie.",
	},
	KeyFilesFailed: {
		"Не удалось передать ваши файлы в сервис генерации. Ничего не списано — попробуйте ещё раз через минуту.",
		"Your files could not be passed to the generation service. Nothing was charged — please try again in a minute.",
	},
	KeyFileTooBigNow: {
		"Один из файлов больше 20 МБ — Telegram не даёт ботам скачивать такие. Отправьте файл поменьше. Ничего не списано.",
		"One of the files is over 20 MB — Telegram does not let bots download such files. Please send a smaller one. Nothing was charged.",
	},
	KeyPaymentUnknown: {
		"Платёж получен, но я не нашёл для него счёт. Напишите /paysupport — мы разберёмся и зачислим средства.",
		"The payment arrived, but I could not find its invoice. Please write /paysupport — we will sort it out and credit you.",
	},
	KeyRefundSpent: {
		"Звёзды вернулись, но пополнение уже потрачено. Напишите /paysupport.",
		"The Stars were refunded, but the top-up had already been spent. Please write /paysupport.",
	},
	KeyAdminRefunded:   {"Возврат выполнен: %d ⭐, списано %s с баланса пользователя %d.", "Refunded: %d ⭐; %s debited from user %d."},
	KeyAdminRefundNo:   {"Возврат невозможен: %s", "Refund refused: %s"},
	KeyAdminRefundHelp: {"Использование: /refund &lt;telegram_payment_charge_id&gt;", "Usage: /refund &lt;telegram_payment_charge_id&gt;"},
}
