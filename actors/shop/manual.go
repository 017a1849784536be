package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop/receipt"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Manual card/SBP top-ups. The user picks an amount; a request with a
// fresh reference is recorded and the operator's details are shown. The
// receipt (a photo or a PDF) is downloaded and pre-checked by OCR
// (package receipt) before the update's transaction, compared with every
// receipt sent before, attached to the request, and sent with the
// findings to every admin, who approve or reject it in the console
// (console.go, operator.ApproveManual). Only an approval credits money.

// ManualConfig turns manual top-ups on.
type ManualConfig struct {
	// Details is what users are told to pay to (a card number, or an SBP
	// phone and bank), shown as text.
	Details string
	// Amounts offered, in kopecks.
	Amounts []int64
	// ValidFor is how long a request waits for its receipt; default 24 h.
	ValidFor time.Duration
	// MaxAge is how old a receipt's date may be before it is flagged;
	// default 72 h.
	MaxAge time.Duration
	// MaxBytes is the largest receipt file; default the checker's (10 MiB),
	// at most what Telegram lets a bot download.
	MaxBytes int64
	// Checker pre-checks receipts; required. Without tesseract it still
	// fingerprints them and says they were not checked.
	Checker *receipt.Checker
}

func (m *ManualConfig) withDefaults() {
	if m.ValidFor <= 0 {
		m.ValidFor = 24 * time.Hour
	}
	if m.MaxAge <= 0 {
		m.MaxAge = 72 * time.Hour
	}
	if m.MaxBytes <= 0 {
		m.MaxBytes = m.Checker.MaxInputBytes()
	}
	m.MaxBytes = min(m.MaxBytes, m.Checker.MaxInputBytes(), telegram.MaxDownload)
}

// manualOn reports whether manual top-ups are offered.
func (sh *Shop) manualOn() bool { return sh.cfg.Manual != nil && len(sh.cfg.Manual.Amounts) > 0 }

// createManual records a request to pay c.Kopecks by transfer and shows
// the details with its reference, in the update's transaction.
func (sh *Shop) createManual(c fsm.CreateManualTopUp, userID, chatID int64, lang fsm.Lang) func(context.Context, *store.Tx) ([]telegram.Op, error) {
	return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		if refused, err := sh.refusedForBan(ctx, tx, userID, chatID, lang); refused != nil || err != nil {
			return refused, err
		}
		if !sh.manualOn() {
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyTopUpUnavailable))}, nil
		}
		m, err := tx.CreateManualTopUp(ctx, store.NewManualTopUp{UserID: userID, Kopecks: c.Kopecks, ValidFor: sh.cfg.Manual.ValidFor,
			Reference: func() (string, error) { return receipt.NewReference(rand.Reader) }})
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: manual top-up requested", "user_id", userID, "manual_id", m.ID, "kopecks", m.Kopecks)
		return []telegram.Op{screenOp(chatID, fsm.ManualDetails(lang, sh.cfg.Manual.Details, m.Kopecks, m.Reference, sh.cfg.Manual.ValidFor))}, nil
	}
}

// submitReceipt pre-checks the receipt (download and OCR before the
// transaction: slow I/O holds no transaction open) and returns the
// step that attaches it to the user's request and sends it to the admins.
// A receipt the request cannot take keeps the user waiting for another.
func (sh *Shop) submitReceipt(ctx context.Context, step actors.Step, c fsm.SubmitReceipt, userID, chatID int64, lang fsm.Lang) (actors.Step, error) {
	again := func(text string) (actors.Step, error) {
		step.State = fsm.StateManual // still waiting for a receipt
		step.Ops = append(step.Ops, screenOp(chatID, fsm.Screen{Text: text}))
		return step, nil
	}
	if !sh.manualOn() {
		step.Ops = append(step.Ops, textOp(chatID, fsm.T(lang, fsm.KeyTopUpUnavailable)))
		return step, nil
	}
	mc := sh.cfg.Manual
	m, err := sh.cfg.Store.AwaitingManualTopUp(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		step.Ops = append(step.Ops, textOp(chatID, fsm.T(lang, fsm.KeyReceiptNoRequest)))
		return step, nil
	case err != nil:
		return actors.Step{}, err
	}
	rc, _, err := sh.cfg.Telegram.OpenFile(ctx, c.File.FileID)
	switch {
	case errors.Is(err, telegram.ErrFileTooBig):
		return again(fsm.T(lang, fsm.KeyReceiptTooBig, "20+", fmt.Sprintf("%.1f", float64(mc.MaxBytes)/(1<<20))))
	case err != nil:
		return actors.Step{}, fmt.Errorf("download receipt of manual top-up %d: %w", m.ID, err)
	}
	rep := mc.Checker.Check(ctx, receipt.Expected{AmountKopecks: m.Kopecks, Reference: m.Reference, IssuedAt: m.CreatedAt, MaxAge: mc.MaxAge}, rc)
	rc.Close()
	sh.log.Info("shop: receipt pre-checked", "user_id", userID, "manual_id", m.ID, "status", rep.Status.String(),
		"consistent", rep.Consistent(), "elapsed", rep.Elapsed, "err", rep.Err)
	switch rep.Status {
	case receipt.TooLarge:
		return again(fsm.T(lang, fsm.KeyReceiptTooBig, fmt.Sprintf("%.1f", float64(rep.Size)/(1<<20)), fmt.Sprintf("%.1f", float64(mc.MaxBytes)/(1<<20))))
	case receipt.Unsupported:
		return again(fsm.T(lang, fsm.KeyReceiptKind))
	case receipt.ReadFailed, receipt.Canceled:
		if ctx.Err() != nil {
			return actors.Step{}, fmt.Errorf("check receipt of manual top-up %d: %w", m.ID, context.Cause(ctx))
		}
		return again(fsm.T(lang, fsm.KeyReceiptDownload))
	}
	first := step.Apply
	step.Apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		ops, err := first(ctx, tx)
		if err != nil {
			return nil, err
		}
		if refused, err := sh.refusedForBan(ctx, tx, userID, chatID, lang); refused != nil || err != nil {
			return append(ops, refused...), err
		}
		more, err := sh.attachReceipt(ctx, tx, m, c.File, rep, userID, chatID, lang)
		return append(ops, more...), err
	}
	return step, nil
}

// attachReceipt compares the receipt with earlier ones, attaches it to
// request m and tells the user and the admins.
func (sh *Shop) attachReceipt(ctx context.Context, tx *store.Tx, m store.ManualTopUp, f fsm.File, rep receipt.Report, userID, chatID int64, lang fsm.Lang) ([]telegram.Op, error) {
	fp := rep.Fingerprint
	fp.PaidAt = wall(fp.PaidAt)
	var sha []byte
	if fp.SHA256 != ([32]byte{}) {
		sha = fp.SHA256[:]
	}
	earlier, err := tx.EarlierReceipts(ctx, m.ID, f.UniqueID, sha, fp.DHash, fp.HasDHash, receipt.NearDuplicateBits)
	if err != nil {
		return nil, err
	}
	type match struct {
		id       int64
		state    store.ManualState
		key      fsm.Key
		sameFile bool
	}
	var matches []match
	var duplicateOf int64
	for _, e := range earlier {
		old := receipt.Fingerprint{DHash: e.DHash, HasDHash: e.HasDHash, AmountKopecks: e.OCRKopecks, PaidAt: wall(e.OCRPaidAt)}
		copy(old.SHA256[:], e.SHA256)
		sim := receipt.Compare(fp, old)
		if len(e.SHA256) == 0 && sim == receipt.SameFile {
			sim = receipt.Different // no hash kept: nothing to compare
		}
		switch {
		case e.SameFileID:
			matches = append(matches, match{e.ID, e.State, fsm.KeyManualSameFileID, true})
		case sim == receipt.SameFile || sim == receipt.SamePicture:
			matches = append(matches, match{e.ID, e.State, fsm.KeyManualDuplicate, true})
		case sim == receipt.SimilarPicture:
			matches = append(matches, match{e.ID, e.State, fsm.KeyManualSimilar, false})
		default:
			continue
		}
		if matches[len(matches)-1].sameFile && duplicateOf == 0 {
			duplicateOf = e.ID
		}
	}
	flags := receiptFlags(rep)
	if duplicateOf != 0 {
		flags = append(flags, fsm.FlagDuplicate)
	} else if len(matches) > 0 {
		flags = append(flags, fsm.FlagSimilar)
	}
	findings := func(l fsm.Lang) string {
		s := rep.HTML(receipt.Lang(l))
		for _, mt := range matches {
			s += "\n" + fsm.T(l, mt.key, mt.id, fsm.Escape(string(mt.state)))
		}
		return s
	}
	r := store.Receipt{FileID: f.FileID, FileUniqueID: f.UniqueID, FileKind: f.Kind, FileBytes: max(rep.Size, f.Size), SHA256: sha,
		DHash: fp.DHash, HasDHash: fp.HasDHash, OCRStatus: rep.Status.String(), OCRKopecks: fp.AmountKopecks, OCRPaidAt: fp.PaidAt,
		Flags: flags, Report: findings(fsm.RU), DuplicateOf: duplicateOf}
	m, err = tx.SubmitReceipt(ctx, m.ID, userID, r)
	if errors.Is(err, store.ErrManualNotAwaiting) {
		return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyReceiptNoRequest))}, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := tx.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	sh.log.Info("shop: receipt sent to the admins", "user_id", userID, "manual_id", m.ID, "flags", flags, "duplicate_of", duplicateOf)
	ops := []telegram.Op{screenOp(chatID, fsm.ReceiptReceived(lang, m.ID))}
	media := telegram.MediaDocument
	if f.Kind == "photo" {
		media = telegram.MediaPhoto
	}
	for _, adminID := range sh.op.AdminIDs() {
		al := fsm.RU
		if a, err := tx.User(ctx, adminID); err == nil {
			al = fsm.LangOf(a.Language)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		head := fsm.T(al, fsm.KeyManualAdminHead, m.ID, adminWho(u), pricing.FormatRUB(m.Kopecks), fsm.Escape(m.Reference),
			m.CreatedAt.In(moscowTime()).Format("02.01 15:04"))
		ops = append(ops,
			telegram.Op{Kind: telegram.OpMedia, ChatID: adminID, Media: media, URL: f.FileID, Text: fsm.T(al, fsm.KeyManualAdminCaption, m.ID)},
			telegram.SendOp(adminID, head+"\n\n"+findings(al), buttons(fsm.ManualButtons(al, m.ID))))
	}
	return ops, nil
}

// receiptFlags are the pre-check's problems, as the store keeps them.
func receiptFlags(rep receipt.Report) []string {
	if rep.Status != receipt.Checked {
		return []string{fsm.FlagNotChecked}
	}
	var flags []string
	if !rep.Amount.Match {
		flags = append(flags, fsm.FlagAmount)
	}
	d := rep.Date
	switch {
	case !d.Found:
		flags = append(flags, fsm.FlagNoDate)
	case d.BeforeIssued || d.TooOld:
		flags = append(flags, fsm.FlagDate)
	case d.InFuture:
		flags = append(flags, fsm.FlagFuture)
	}
	if rep.Expected.Reference != "" && !rep.Reference.Found {
		flags = append(flags, fsm.FlagReference)
	}
	return flags
}

// wall keeps a printed reading's wall clock, in UTC, as the store keeps
// it (a timestamp without zone).
func wall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// adminWho renders a user for the admins' receipt message.
func adminWho(u store.User) string {
	s := "<b>" + fsm.Escape(u.FirstName) + "</b>"
	if u.Username != "" {
		s += " @" + fsm.Escape(u.Username)
	}
	return s + fmt.Sprintf(" · id <code>%d</code>", u.ID)
}

func moscowTime() *time.Location { return time.FixedZone("MSK", 3*3600) }
