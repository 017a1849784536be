package fsm

// Texts of the manual card/SBP top-ups and the Stars subscription.
const (
	KeyBtnManual            Key = "manual.btn"
	KeyTopUpManualOnly      Key = "manual.topup_only"
	KeyManualTitle          Key = "manual.title"
	KeyManualPreparing      Key = "manual.preparing"
	KeyManualDetails        Key = "manual.details"
	KeyReceiptWaiting       Key = "manual.waiting"
	KeyReceiptOutside       Key = "manual.outside"
	KeyReceiptKind          Key = "manual.kind"
	KeyReceiptTooBig        Key = "manual.too_big"
	KeyReceiptReceived      Key = "manual.received"
	KeyReceiptNoRequest     Key = "manual.no_request"
	KeyReceiptDownload      Key = "manual.download"
	KeyManualApproved       Key = "manual.approved"
	KeyManualRejected       Key = "manual.rejected"
	KeyBtnApprove           Key = "manual.btn_approve"
	KeyBtnReject            Key = "manual.btn_reject"
	KeyBtnApproveN          Key = "manual.btn_approve_n"
	KeyBtnRejectN           Key = "manual.btn_reject_n"
	KeyBtnPendingReceipts   Key = "manual.btn_pending"
	KeySectionManual        Key = "manual.section"
	KeyManualOff            Key = "manual.off"
	KeyManualListTitle      Key = "manual.list_title"
	KeyManualListEmpty      Key = "manual.list_empty"
	KeyManualListMore       Key = "manual.list_more"
	KeyManualLine           Key = "manual.line"
	KeyManualAdminHead      Key = "manual.admin_head"
	KeyManualAdminCaption   Key = "manual.admin_caption"
	KeyManualDuplicate      Key = "manual.duplicate"
	KeyManualSameFileID     Key = "manual.same_file_id"
	KeyManualSimilar        Key = "manual.similar"
	KeyFlagNotChecked       Key = "manual.flag_not_checked"
	KeyFlagAmount           Key = "manual.flag_amount"
	KeyFlagDate             Key = "manual.flag_date"
	KeyFlagFuture           Key = "manual.flag_future"
	KeyFlagNoDate           Key = "manual.flag_no_date"
	KeyFlagReference        Key = "manual.flag_reference"
	KeyFlagDuplicate        Key = "manual.flag_duplicate"
	KeyFlagSimilar          Key = "manual.flag_similar"
	KeyConfirmManualApprove Key = "manual.confirm_approve"
	KeyConfirmManualReject  Key = "manual.confirm_reject"
	KeyManualDecidedNow     Key = "manual.decided_now"
	KeyDoneManualApprove    Key = "manual.done_approve"
	KeyDoneManualReject     Key = "manual.done_reject"
	KeyActManualApprove     Key = "manual.act_approve"
	KeyActManualReject      Key = "manual.act_reject"
	KeyMethodManual         Key = "admin.method.manual"
	KeyMethodSubscription   Key = "admin.method.subscription"
)

var paymentTexts = map[Key][2]string{ // [RU, EN]
	KeyBtnManual:       {"💳 Картой или СБП", "💳 Card or SBP transfer"},
	KeyTopUpManualOnly: {"💳 <b>Пополнение баланса</b>\nПереводом на карту или по СБП:", "💳 <b>Top up</b>\nBy card or SBP transfer:"},
	KeyManualTitle: {
		"💳 <b>Пополнение переводом</b>\nВыберите сумму. Затем я покажу реквизиты и код для комментария к переводу; после оплаты пришлите чек (фото или PDF) — администратор проверит его и зачислит деньги.",
		"💳 <b>Top up by transfer</b>\nChoose an amount. I will then show the payment details and a code for the transfer comment; once paid, send the receipt (a photo or a PDF) — an admin checks it and credits the money.",
	},
	KeyManualPreparing: {"Готовлю реквизиты…", "Preparing the details…"},
	KeyManualDetails: {
		"💳 <b>Перевод на %s</b>\n\nРеквизиты:\n%s\n\nВ комментарии к переводу укажите код: <code>%s</code>\n\nПереведите <b>ровно эту сумму</b>, затем пришлите сюда чек — фото или PDF. Заявка действует %d ч.",
		"💳 <b>Transfer of %s</b>\n\nPayment details:\n%s\n\nPut this code in the transfer comment: <code>%s</code>\n\nTransfer <b>exactly this amount</b>, then send the receipt here — a photo or a PDF. The request is valid for %d h.",
	},
	KeyReceiptWaiting: {
		"Жду чек об оплате: пришлите фото или PDF. Передумали — /cancel.",
		"Waiting for the payment receipt: send a photo or a PDF. Changed your mind? /cancel",
	},
	KeyReceiptOutside: {
		"Если это чек об оплате: сначала откройте /topup → «Картой или СБП», выберите сумму и переведите её с кодом в комментарии — потом пришлите чек.",
		"If this is a payment receipt: first open /topup → “Card or SBP transfer”, pick the amount and transfer it with the code in the comment — then send the receipt.",
	},
	KeyReceiptKind: {
		"Чек нужен фотографией, скриншотом или PDF-файлом. Пришлите его, пожалуйста, в одном из этих видов.",
		"Please send the receipt as a photo, a screenshot or a PDF file.",
	},
	KeyReceiptTooBig: {
		"Файл слишком большой (%s МБ, можно до %s МБ). Пришлите скриншот чека или PDF поменьше.",
		"The file is too large (%s MB; up to %s MB). Please send a screenshot of the receipt or a smaller PDF.",
	},
	KeyReceiptReceived: {
		"🧾 Чек получен (заявка №%d). Администратор проверит перевод и зачислит деньги — я сообщу.",
		"🧾 Receipt received (request #%d). An admin will check the transfer and credit the money — I will let you know.",
	},
	KeyReceiptNoRequest: {
		"Не нашёл заявки, которая ждёт чек: она истекла или чек уже прислан. Откройте /topup → «Картой или СБП», чтобы начать заново.",
		"I found no request waiting for a receipt: it has expired or its receipt was sent already. Open /topup → “Card or SBP transfer” to start again.",
	},
	KeyReceiptDownload: {
		"Не получилось загрузить файл. Пришлите чек ещё раз, пожалуйста.",
		"I could not download the file. Please send the receipt again.",
	},
	KeyManualApproved: {
		"✅ Перевод по заявке №%d подтверждён: +%s. Баланс: <b>%s</b>.",
		"✅ The transfer of request #%d is confirmed: +%s. Balance: <b>%s</b>.",
	},
	KeyManualRejected: {
		"❌ Чек по заявке №%d не принят: %s\nЕсли вы перевели деньги, напишите %s — приложите чек и код из комментария.",
		"❌ The receipt of request #%d was not accepted: %s\nIf you did transfer the money, write to %s with the receipt and the code from the comment.",
	},
	KeyBtnApprove:         {"✅ Зачислить", "✅ Approve"},
	KeyBtnReject:          {"❌ Отклонить", "❌ Reject"},
	KeyBtnApproveN:        {"✅ №%d", "✅ #%d"},
	KeyBtnRejectN:         {"❌ №%d", "❌ #%d"},
	KeyBtnPendingReceipts: {"🧾 Чеки на проверке", "🧾 Receipts to check"},
	KeySectionManual:      {"🧾 Чеки", "🧾 Receipts"},
	KeyManualOff:          {"Пополнение переводом не включено (MANUAL_PAYMENT_DETAILS, MANUAL_AMOUNTS).", "Transfer top-ups are off (MANUAL_PAYMENT_DETAILS, MANUAL_AMOUNTS)."},
	KeyManualListTitle:    {"🧾 <b>Чеки на проверке</b> (старые первыми, время московское)", "🧾 <b>Receipts to check</b> (oldest first, Moscow time)"},
	KeyManualListEmpty:    {"Чеков на проверке нет.", "No receipts to check."},
	KeyManualListMore:     {"Показаны первые %d.", "The first %d are shown."},
	KeyManualLine:         {"<b>№%d</b> · %s · %s · код <code>%s</code>", "<b>#%d</b> · %s · %s · code <code>%s</code>"},
	KeyManualAdminHead: {
		"🧾 <b>Чек по заявке №%d</b>\n%s\nСумма заявки: <b>%s</b> · код <code>%s</code>\nЗаявка создана %s",
		"🧾 <b>Receipt of request #%d</b>\n%s\nRequested: <b>%s</b> · code <code>%s</code>\nRequested at %s",
	},
	KeyManualAdminCaption: {"🧾 Чек по заявке №%d", "🧾 Receipt of request #%d"},
	KeyManualDuplicate:    {"⛔ Этот чек уже присылали: заявка №%d (%s)", "⛔ This receipt was sent before: request #%d (%s)"},
	KeyManualSameFileID:   {"⛔ Тот же файл Telegram уже присылали: заявка №%d (%s)", "⛔ The very same Telegram file was sent before: request #%d (%s)"},
	KeyManualSimilar:      {"⚠️ Похож на чек заявки №%d (%s) — сравните", "⚠️ Looks like the receipt of request #%d (%s) — compare them"},
	KeyFlagNotChecked:     {"не проверен", "not checked"},
	KeyFlagAmount:         {"сумма не та", "wrong amount"},
	KeyFlagDate:           {"старая дата", "old date"},
	KeyFlagFuture:         {"дата в будущем", "date in the future"},
	KeyFlagNoDate:         {"без даты", "no date"},
	KeyFlagReference:      {"нет кода", "no code"},
	KeyFlagDuplicate:      {"повтор", "duplicate"},
	KeyFlagSimilar:        {"похож на другой", "similar to another"},
	KeyConfirmManualApprove: {
		"Зачислить заявку №%d: <b>+%s</b> пользователю %s?\nБаланс: %s → %s",
		"Approve request #%d: <b>+%s</b> to %s?\nBalance: %s → %s",
	},
	KeyConfirmManualReject: {"Отклонить заявку №%d на %s пользователя %s?", "Reject request #%d of %s by %s?"},
	KeyManualDecidedNow:    {"заявка уже не ждёт решения (%s)", "the request no longer awaits a decision (%s)"},
	KeyDoneManualApprove: {
		"✅ Заявка №%d зачислена: %s пользователю %s. Баланс: %s → %s",
		"✅ Request #%d approved: %s to %s. Balance: %s → %s",
	},
	KeyDoneManualReject:   {"❌ Заявка №%d отклонена (%s); пользователю сообщено.", "❌ Request #%d rejected (%s); the user was told."},
	KeyActManualApprove:   {"зачисление перевода", "approving the transfer"},
	KeyActManualReject:    {"отказ по чеку (причину увидит пользователь)", "rejecting the receipt (the user sees the reason)"},
	KeyMethodManual:       {"💳 Перевод", "💳 Transfer"},
	KeyMethodSubscription: {"⭐ Подписка", "⭐ Subscription"},
}

// Texts of the Stars subscription.
const (
	KeySubOff          Key = "sub.off"
	KeySubTitle        Key = "sub.title"
	KeySubCompare      Key = "sub.compare"
	KeySubActive       Key = "sub.active"
	KeySubCancelled    Key = "sub.cancelled"
	KeySubEnded        Key = "sub.ended"
	KeyBtnSubBuy       Key = "sub.btn_buy"
	KeyBtnSubCancel    Key = "sub.btn_cancel"
	KeyBtnSubResume    Key = "sub.btn_resume"
	KeyBtnSubPlan      Key = "sub.btn_plan"
	KeyBtnSubPay       Key = "sub.btn_pay"
	KeySubInvoiceText  Key = "sub.invoice_text"
	KeySubInvoiceTitle Key = "sub.invoice_title"
	KeySubInvoiceDesc  Key = "sub.invoice_desc"
	KeySubInvoiceLabel Key = "sub.invoice_label"
	KeySubPaidFirst    Key = "sub.paid_first"
	KeySubPaidRenewal  Key = "sub.paid_renewal"
	KeySubStopped      Key = "sub.stopped"
	KeySubResumed      Key = "sub.resumed"
	KeySubAlready      Key = "sub.already"
	KeySubNone         Key = "sub.none"
	KeySubFailed       Key = "sub.failed"
	KeySubsTitle       Key = "sub.admin_title"
	KeySubsUntil       Key = "sub.admin_until"
	KeySubsCancelled   Key = "sub.admin_cancelled"
)

var subscriptionTexts = map[Key][2]string{ // [RU, EN]
	KeySubOff: {"Подписка сейчас не продаётся.", "The subscription is not on sale right now."},
	KeySubTitle: {
		"⭐ <b>Подписка на месяц</b>\n%d ⭐ в месяц — каждый месяц на баланс зачисляется <b>%s</b>. Продлевается сама, отменить можно в любой момент.",
		"⭐ <b>Monthly plan</b>\n%d ⭐ a month — <b>%s</b> credited to your balance every month. It renews by itself; cancel at any time.",
	},
	KeySubCompare:   {"(Разовое пополнение на те же звёзды дало бы %s.)", "(A one-off top-up of the same Stars would give %s.)"},
	KeySubActive:    {"✅ Подписка активна до %s (время московское); следующее продление: %d ⭐ → %s.", "✅ Your subscription is active until %s (Moscow time); the next renewal: %d ⭐ → %s."},
	KeySubCancelled: {"Продление отменено: подписка действует до %s и больше не спишет звёзды.", "Renewal cancelled: the subscription lasts until %s and charges no more Stars."},
	KeySubEnded:     {"Прошлая подписка закончилась %s.", "Your last subscription ended %s."},
	KeyBtnSubBuy:    {"⭐ Оформить за %d ⭐/мес", "⭐ Subscribe for %d ⭐/month"},
	KeyBtnSubCancel: {"✖️ Отменить продление", "✖️ Cancel the renewal"},
	KeyBtnSubResume: {"🔁 Возобновить продление", "🔁 Resume the renewal"},
	KeyBtnSubPlan:   {"⭐ Подписка: %d ⭐/мес → %s", "⭐ Monthly plan: %d ⭐ → %s"},
	KeyBtnSubPay:    {"Оплатить %d ⭐", "Pay %d ⭐"},
	KeySubInvoiceText: {
		"⭐ Подписка: %d ⭐ в месяц, каждый месяц +%s на баланс. Нажмите кнопку, чтобы оплатить.",
		"⭐ Monthly plan: %d ⭐ a month, +%s on your balance each month. Tap the button to pay.",
	},
	KeySubInvoiceTitle: {"Подписка на месяц", "Monthly plan"},
	KeySubInvoiceDesc:  {"%d ⭐ в месяц → %s на баланс бота каждый месяц.", "%d ⭐ a month → %s on your balance every month."},
	KeySubInvoiceLabel: {"Баланс +%s в месяц", "Balance +%s a month"},
	KeySubPaidFirst: {
		"✅ Подписка оформлена: +%s. Баланс: <b>%s</b>. Следующее продление — %s.",
		"✅ Subscribed: +%s. Balance: <b>%s</b>. The next renewal: %s.",
	},
	KeySubPaidRenewal: {
		"🔁 Подписка продлена: +%s. Баланс: <b>%s</b>. Следующее продление — %s.",
		"🔁 Subscription renewed: +%s. Balance: <b>%s</b>. The next renewal: %s.",
	},
	KeySubStopped:    {"Продление отменено. Подписка действует до %s, звёзды больше не спишутся.", "The renewal is cancelled. The subscription lasts until %s; no more Stars are charged."},
	KeySubResumed:    {"Продление возобновлено: следующее — %s.", "The renewal is back on: the next one is %s."},
	KeySubAlready:    {"Подписка уже активна — см. /subscription.", "You are subscribed already — see /subscription."},
	KeySubNone:       {"Активной подписки нет — см. /subscription.", "You have no active subscription — see /subscription."},
	KeySubFailed:     {"Telegram не принял изменение подписки. Попробуйте позже или напишите в поддержку: /paysupport", "Telegram did not accept the change. Please try later or write to /paysupport."},
	KeySubsTitle:     {"⭐ <b>Подписчики</b>: %d активных (последние, время московское):", "⭐ <b>Subscribers</b>: %d active (latest first, Moscow time):"},
	KeySubsUntil:     {"до %s", "until %s"},
	KeySubsCancelled: {"продление отменено", "renewal cancelled"},
}
