package fsm

// Texts of the account: balance, history, top-ups and payments.
const (
	KeyBalanceTitle       Key = "balance.title"
	KeyBalanceRecent      Key = "balance.recent"
	KeyLedgerTopUp        Key = "ledger.topup"
	KeyLedgerWelcome      Key = "ledger.welcome"
	KeyLedgerHold         Key = "ledger.hold"
	KeyLedgerCapture      Key = "ledger.capture"
	KeyLedgerFromReserve  Key = "ledger.from_reserve"
	KeyLedgerRelease      Key = "ledger.release"
	KeyLedgerRefund       Key = "ledger.refund"
	KeyLedgerAdjustment   Key = "ledger.adjustment"
	KeyHistoryTitle       Key = "history.title"
	KeyHistoryEmpty       Key = "history.empty"
	KeyJobQueued          Key = "job.queued"
	KeyJobRunning         Key = "job.running"
	KeyJobSucceededShort  Key = "job.succeeded"
	KeyJobFailedShort     Key = "job.failed"
	KeyJobExpired         Key = "job.expired"
	KeyBtnResend          Key = "btn.resend"
	KeyBtnRepeat          Key = "btn.repeat"
	KeyJobNotFound        Key = "job.not_found"
	KeyNoResult           Key = "job.no_result"
	KeyResending          Key = "job.resending"
	KeyTopUpTitle         Key = "topup.title"
	KeyTopUpUnavailable   Key = "topup.unavailable"
	KeyBtnPackage         Key = "btn.package"
	KeyInvoiceSent        Key = "topup.invoice_sent"
	KeyInvoiceTitle       Key = "invoice.title"
	KeyInvoiceDescription Key = "invoice.description"
	KeyInvoiceLabel       Key = "invoice.label"
	KeyPaymentReceived    Key = "payment.received"
	KeyPaymentRefunded    Key = "payment.refunded"
	KeyRefuseUnknown      Key = "refuse.unknown"
	KeyRefuseExpired      Key = "refuse.expired"
	KeyRefuseAmount       Key = "refuse.amount"
	KeyRefuseUser         Key = "refuse.user"
)

var accountTexts = map[Key][2]string{ // [RU, EN]
	KeyBalanceTitle:       {"💰 <b>Баланс: %s</b>", "💰 <b>Balance: %s</b>"},
	KeyBalanceRecent:      {"Последние операции (время московское):", "Recent operations (Moscow time):"},
	KeyLedgerTopUp:        {"пополнение", "top-up"},
	KeyLedgerWelcome:      {"приветственный бонус", "welcome bonus"},
	KeyLedgerHold:         {"резерв за заказ", "reserved for an order"},
	KeyLedgerCapture:      {"оплата заказа", "order paid"},
	KeyLedgerFromReserve:  {"%s из резерва", "%s from the reserve"},
	KeyLedgerRelease:      {"возврат резерва", "reserve returned"},
	KeyLedgerRefund:       {"возврат", "refund"},
	KeyLedgerAdjustment:   {"корректировка", "adjustment"},
	KeyHistoryTitle:       {"🗂 <b>Последние заказы</b> (время московское)", "🗂 <b>Recent orders</b> (Moscow time)"},
	KeyHistoryEmpty:       {"Заказов пока нет — выберите модель в меню.", "No orders yet — pick a model in the menu."},
	KeyJobQueued:          {"в очереди", "queued"},
	KeyJobRunning:         {"генерируется", "generating"},
	KeyJobSucceededShort:  {"готово", "done"},
	KeyJobFailedShort:     {"не удалось", "failed"},
	KeyJobExpired:         {"истекло время", "timed out"},
	KeyBtnResend:          {"📤 %s", "📤 %s"},
	KeyBtnRepeat:          {"🔁 %s", "🔁 %s"},
	KeyJobNotFound:        {"Этот заказ не найден.", "This order was not found."},
	KeyNoResult:           {"У этого заказа нет результата, который можно отправить.", "This order has no result to send."},
	KeyResending:          {"Отправляю результат…", "Sending the result…"},
	KeyTopUpTitle:         {"⭐ <b>Пополнение баланса</b>\nОплата звёздами Telegram. Выберите сумму:", "⭐ <b>Top up</b>\nPay with Telegram Stars. Choose an amount:"},
	KeyTopUpUnavailable:   {"Пополнение сейчас недоступно — загляните позже.", "Top-ups are not available right now — please check back later."},
	KeyBtnPackage:         {"⭐ %d → %s", "⭐ %d → %s"},
	KeyInvoiceSent:        {"Счёт отправлен ниже 👇", "Invoice sent below 👇"},
	KeyInvoiceTitle:       {"Пополнение на %s", "Top-up of %s"},
	KeyInvoiceDescription: {"%d ⭐ → %s на баланс бота для генераций.", "%d ⭐ → %s on your balance for generations."},
	KeyInvoiceLabel:       {"Баланс +%s", "Balance +%s"},
	KeyPaymentReceived: {
		"✅ Оплата получена: +%s. Баланс: <b>%s</b>.",
		"✅ Payment received: +%s. Balance: <b>%s</b>.",
	},
	KeyPaymentRefunded: {
		"↩️ Платёж возвращён: −%s. Баланс: <b>%s</b>.",
		"↩️ Payment refunded: −%s. Balance: <b>%s</b>.",
	},
	KeyRefuseUnknown: {"Этот счёт не найден. Откройте пополнение заново: /topup", "This invoice was not found. Please start again: /topup"},
	KeyRefuseExpired: {"Срок этого счёта истёк. Откройте пополнение заново: /topup", "This invoice has expired. Please start again: /topup"},
	KeyRefuseAmount:  {"Сумма не совпадает со счётом. Откройте пополнение заново: /topup", "The amount does not match the invoice. Please start again: /topup"},
	KeyRefuseUser:    {"Этот счёт выставлен другому пользователю.", "This invoice belongs to another user."},
}
