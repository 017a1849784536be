package fsm

import (
	"strconv"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// Screens for a job's life after confirmation and for payments. The jobs
// and conversation actors render them; buttons on them carry global
// callback data ("*|action|id"), which Step re-validates.

// Progress is a running job's state for JobProgress.
type Progress struct {
	JobID     int64
	ModelName string
	Stage     string // "queued", "generating"
	Elapsed   time.Duration
}

// FailReason says why a job ended without a result.
type FailReason string

// The failure reasons.
const (
	FailRejected    FailReason = "rejected"    // content policy
	FailFailed      FailReason = "failed"      // the model failed
	FailTimeout     FailReason = "timeout"     // no result in time
	FailUnavailable FailReason = "unavailable" // Kie or the model is unavailable
)

func jobRef(id int64) string { return "#" + strconv.FormatInt(id, 10) }

// modelTitle escapes and bounds a model name for a screen.
func modelTitle(name string) string { return Escape(cutRunes(name, 80)) }

// JobAccepted is the first progress message after a confirmation.
func JobAccepted(lang Lang, jobID int64, modelName string, priceKopecks int64, free bool) Screen {
	text := T(lang, KeyJobAccepted, jobRef(jobID), modelTitle(modelName)) + "\n"
	if free {
		text += T(lang, KeyJobAcceptedFree)
	} else {
		text += T(lang, KeyJobAcceptedHeld, pricing.FormatRUB(priceKopecks))
	}
	return Screen{Text: text}
}

// JobProgress is the progress message, edited as the job advances.
func JobProgress(lang Lang, p Progress) Screen {
	stage := T(lang, KeyStageGenerating)
	if p.Stage == "queued" {
		stage = T(lang, KeyStageQueued)
	}
	secs := max(int64(p.Elapsed/time.Second), 0)
	return Screen{Text: T(lang, KeyJobProgress, jobRef(p.JobID), modelTitle(p.ModelName), stage, secs/60, secs%60)}
}

// JobSucceeded is the final edit of the progress message.
func JobSucceeded(lang Lang, jobID int64, modelName string) Screen {
	return Screen{Text: T(lang, KeyJobSucceeded, jobRef(jobID), modelTitle(modelName))}
}

// JobFailed says a job ended without a result and what happened to the money.
func JobFailed(lang Lang, jobID int64, reason FailReason, refunded bool) Screen {
	var why Key
	switch reason {
	case FailRejected:
		why = KeyFailRejected
	case FailTimeout:
		why = KeyFailTimeout
	case FailUnavailable:
		why = KeyFailUnavailable
	default:
		why = KeyFailFailed
	}
	money := T(lang, KeyFailNotCharged)
	if refunded {
		money = T(lang, KeyFailRefunded)
	}
	return Screen{
		Text: T(lang, KeyJobFailed, jobRef(jobID)) + "\n" + T(lang, why) + "\n" + money,
		Buttons: [][]Button{
			{{Text: T(lang, KeyBtnRetry), Data: callbackData(globalNonce, aRepeat, strconv.FormatInt(jobID, 10))}},
			{menuButton(lang)},
		},
	}
}

// JobUndeliverable says a finished job's result could not be delivered in
// any form, and whether its price is back on the balance.
func JobUndeliverable(lang Lang, jobID int64, refunded bool) Screen {
	text := T(lang, KeyJobFailed, jobRef(jobID)) + "\n" + T(lang, KeyResultRefused)
	if refunded {
		text += "\n" + T(lang, KeyFailRefunded)
	}
	return Screen{Text: text, Buttons: [][]Button{
		{{Text: T(lang, KeyBtnRetry), Data: callbackData(globalNonce, aRepeat, strconv.FormatInt(jobID, 10))}},
		{menuButton(lang)},
	}}
}

// ResultsPartlyLost says some of a job's results could not be delivered
// (the others were), and whether its price is back on the balance.
func ResultsPartlyLost(lang Lang, jobID int64, refunded bool) Screen {
	text := T(lang, KeyResultsPartial, jobRef(jobID))
	if refunded {
		text += "\n" + T(lang, KeyFailRefunded)
	}
	return Screen{Text: text}
}

// ResultCaption is the caption on a delivered result (well under 1024).
func ResultCaption(lang Lang, jobID int64, modelName string) string {
	return T(lang, KeyResultCaption, jobRef(jobID), modelTitle(modelName))
}

// ResultButtons go under a delivered result: repeat, back to the model,
// main menu. The model button is left out if its id would not fit in
// Telegram's 64 bytes of callback data.
func ResultButtons(lang Lang, jobID int64, modelID string) [][]Button {
	rows := [][]Button{{{Text: T(lang, KeyBtnRepeatResult), Data: callbackData(globalNonce, aRepeat, strconv.FormatInt(jobID, 10))}}}
	if data := callbackData(globalNonce, aModel, modelID); len(data) <= maxCallback && modelID != "" {
		rows = append(rows, []Button{{Text: T(lang, KeyBtnToModel), Data: data}})
	}
	return append(rows, []Button{menuButton(lang)})
}

// ResultLink offers a result that could not be sent as a file (too big,
// or refused) as a link with its expiry.
func ResultLink(lang Lang, url string, expires time.Time) Screen {
	rows := [][]Button{{menuButton(lang)}}
	if url != "" { // a button needs a URL; without one the text still explains
		rows = append([][]Button{{{Text: T(lang, KeyBtnDownload), URL: url}}}, rows...)
	}
	return Screen{Text: T(lang, KeyResultLink, when(expires)), Buttons: rows}
}

// InsufficientFunds says the balance does not cover a price.
func InsufficientFunds(lang Lang, need, have int64, topUps bool) Screen {
	text := T(lang, KeyInsufficient, pricing.FormatRUB(need), pricing.FormatRUB(have))
	var rows [][]Button
	if topUps {
		rows = append(rows, []Button{{Text: T(lang, KeyBtnTopUp), Data: callbackData(globalNonce, aTopUp, "")}})
	} else {
		text += "\n" + T(lang, KeyTopUpUnavailable)
	}
	return Screen{Text: text, Buttons: append(rows, []Button{menuButton(lang)})}
}

// FreeLimitReached says today's free generations are used up.
func FreeLimitReached(lang Lang, limit int) Screen {
	return Screen{Text: T(lang, KeyFreeLimitReached, limit), Buttons: [][]Button{{menuButton(lang)}}}
}

// TooManyJobs says the user has as many running jobs as allowed.
func TooManyJobs(lang Lang, max int) Screen {
	return Screen{Text: T(lang, KeyTooManyJobs, max), Buttons: [][]Button{{menuButton(lang)}}}
}

// RateLimited asks a user who sends too much to slow down.
func RateLimited(lang Lang) Screen { return Screen{Text: T(lang, KeyRateLimited)} }

// PaymentReceived confirms a top-up.
func PaymentReceived(lang Lang, kopecks, balance int64) Screen {
	return Screen{Text: T(lang, KeyPaymentReceived, pricing.FormatRUB(kopecks), pricing.FormatRUB(balance)), Buttons: [][]Button{{menuButton(lang)}}}
}

// PaymentRefunded reports a refunded top-up and the balance after it.
func PaymentRefunded(lang Lang, kopecks, balance int64) Screen {
	return Screen{Text: T(lang, KeyPaymentRefunded, pricing.FormatRUB(kopecks), pricing.FormatRUB(balance))}
}

// InvoiceText is a Stars invoice's title (≤ 32 characters), description
// (≤ 255) and price label.
func InvoiceText(lang Lang, stars, kopecks int64) (title, description, label string) {
	rub := pricing.FormatRUB(kopecks)
	return cutRunes(T(lang, KeyInvoiceTitle, rub), 32),
		cutRunes(T(lang, KeyInvoiceDescription, stars, rub), 255),
		cutRunes(T(lang, KeyInvoiceLabel, rub), 32)
}

// PreCheckoutRefusal is the error_message refusing a pre-checkout query.
// reason is "unknown", "expired", "amount", "user" or "suspended".
func PreCheckoutRefusal(lang Lang, reason string) string {
	switch reason {
	case "suspended":
		return T(lang, KeyRefuseSuspended)
	case "expired":
		return T(lang, KeyRefuseExpired)
	case "amount":
		return T(lang, KeyRefuseAmount)
	case "user":
		return T(lang, KeyRefuseUser)
	}
	return T(lang, KeyRefuseUnknown)
}
