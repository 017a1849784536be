package receipt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/shop/receipt"
)

// The shop's side: one Checker for the process, a reference per top-up
// request, a Check per receipt, the findings to the admins.
func ExampleChecker_Check() {
	ctx := context.Background()
	checker, err := receipt.New(ctx, receipt.Config{}) // tesseract, rus+eng, 20 s, 2 at a time, 10 MiB
	if err != nil {
		panic(err) // only an invalid Config fails
	}
	if notice := checker.Capabilities().StartupNotice(receipt.RU); notice != "" {
		slog.Warn("receipt check", "notice", notice) // e.g. tesseract not installed
	}

	// The user asked to top up 1 500 ₽: give them the details and a reference.
	ref, err := receipt.NewReference(rand.Reader)
	if err != nil {
		panic(err)
	}
	issued := time.Now()

	// Later the receipt arrives (downloaded from Telegram; any io.Reader).
	file, err := os.Open("receipt.jpg")
	if err != nil {
		return
	}
	defer file.Close()
	report := checker.Check(ctx, receipt.Expected{
		AmountKopecks: 150000,
		Reference:     ref,
		IssuedAt:      issued,
		MaxAge:        72 * time.Hour,
	}, file)
	if report.Err != nil {
		slog.Warn("receipt not checked", "status", report.Status, "err", report.Err)
	}
	caption := report.HTML(receipt.RU) // Telegram HTML, OCR text escaped
	_ = caption                        // sent to the admins with the receipt and the approve/reject buttons
	_ = report.Fingerprint             // stored; receipt.Compare against earlier ones flags duplicates
}

func ExampleParse() {
	p := receipt.Parse(`Т-Банк
Перевод по СБП
Дата и время 04.12.2026 13:45:10
Сумма 1 5OO,OO ₽
Телефон получателя +7 (912) 345-67-89
Счёт списания •••• 1234
Сообщение КВ-7F3K23`)
	fmt.Println(p.Amount.Kopecks, p.Date.Wall.Format("2006-01-02 15:04:05"), p.References)
	// Output: 150000 2026-12-04 13:45:10 [KB-7F3K23]
}

func ExampleNewReference() {
	// crypto/rand.Reader in production; fixed bytes here.
	ref, _ := receipt.NewReference(bytes.NewReader([]byte{5, 11, 1, 14, 0, 99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89}))
	fmt.Println(ref, receipt.ValidReference(ref))
	typed, ok := receipt.NormalizeReference(strings.ToLower(ref))
	fmt.Println(typed, ok)
	// Output:
	// KB-7F3K23 true
	// KB-7F3K23 true
}
