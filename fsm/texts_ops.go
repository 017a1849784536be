package fsm

// Texts of the operator's background work — broadcast progress and alerts
// to admins — and the one a user sees when Kie cannot take an order.
const (
	KeyKieUnavailable Key = "order.kie_unavailable"

	KeyBroadcastProgress  Key = "ops.broadcast_progress"
	KeyBroadcastDraft     Key = "ops.broadcast_draft"
	KeyBroadcastReady     Key = "ops.broadcast_ready"
	KeyBroadcastSending   Key = "ops.broadcast_sending"
	KeyBroadcastPaused    Key = "ops.broadcast_paused"
	KeyBroadcastDone      Key = "ops.broadcast_done"
	KeyBroadcastCancelled Key = "ops.broadcast_cancelled"

	KeyAlertKieLow        Key = "alert.kie_low"
	KeyAlertKieRefusing   Key = "alert.kie_refusing"
	KeyAlertKieUnreadable Key = "alert.kie_unreadable"
	KeyAlertModelFailing  Key = "alert.model_failing"
	KeyAlertMoneyStuck    Key = "alert.money_stuck"
	KeyAlertLeader        Key = "alert.leader"
	KeyAlertSuppressed    Key = "alert.suppressed"
)

var opsTexts = map[Key][2]string{ // [RU, EN]
	KeyKieUnavailable: {
		"⏳ Генерация временно недоступна. Ничего не списано — попробуйте чуть позже, пожалуйста.",
		"⏳ Generation is temporarily unavailable. Nothing was charged — please try again a little later.",
	},
	KeyBroadcastProgress: {
		"📣 Рассылка №%d — %s\nОтправлено: %d из %d\nОшибок: %d · заблокировали бота: %d · пропущено: %d · неизвестно: %d\nОсталось: %d",
		"📣 Broadcast #%d — %s\nSent: %d of %d\nFailed: %d · blocked the bot: %d · skipped: %d · unknown: %d\nLeft: %d",
	},
	KeyBroadcastDraft:     {"черновик", "draft"},
	KeyBroadcastReady:     {"проверена, готова к запуску", "previewed, ready to start"},
	KeyBroadcastSending:   {"идёт отправка", "sending"},
	KeyBroadcastPaused:    {"⏸ на паузе", "⏸ paused"},
	KeyBroadcastDone:      {"✅ завершена", "✅ done"},
	KeyBroadcastCancelled: {"⛔ отменена", "⛔ cancelled"},
	KeyAlertKieLow: {
		"⚠️ На балансе Kie осталось <b>%s</b> кредитов (порог %s). Пополните баланс: когда его не хватает на заказ, заказы не принимаются.",
		"⚠️ Kie's balance is down to <b>%s</b> credits (threshold %s). Top it up: orders the balance cannot cover are refused.",
	},
	KeyAlertKieRefusing: {
		"🚫 Заказ на %s кредитов отклонён: баланс Kie %s, из них %s заняты незавершёнными заказами. Пользователи видят «временно недоступно».",
		"🚫 An order for %s credits was refused: Kie's balance is %s, %s of it taken by unfinished orders. Users are told generation is temporarily unavailable.",
	},
	KeyAlertKieUnreadable: {
		"⚠️ Не удаётся прочитать баланс Kie: %s",
		"⚠️ Kie's balance cannot be read: %s",
	},
	KeyAlertModelFailing: {
		"⚠️ Модель <b>%s</b>: %d из последних %d заказов завершились ошибкой.",
		"⚠️ Model <b>%s</b>: %d of its last %d orders failed.",
	},
	KeyAlertMoneyStuck: {
		"🚨 Денежное обновление %d (%s) пользователя %d не обрабатывается: %d попыток. Последняя ошибка: <code>%s</code>",
		"🚨 Money update %d (%s) of user %d keeps failing: %d attempts. Last error: <code>%s</code>",
	},
	KeyAlertLeader:     {"ℹ️ Ведущий экземпляр: <b>%s</b> (срок %d).", "ℹ️ Leading instance: <b>%s</b> (term %d)."},
	KeyAlertSuppressed: {"(повторов с прошлого уведомления: %d)", "(repeats since the last alert: %d)"},
}
