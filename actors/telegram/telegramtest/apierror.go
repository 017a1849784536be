package telegramtest

import (
	"fmt"
	"net/http"
)

// apiError is a Bot API failure: the HTTP status equals error_code, as with
// Telegram, and retryAfter becomes parameters.retry_after when positive.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

// Telegram's own wording for the errors callers are most likely to branch on;
// clients (and people reading logs) match on these texts.
const (
	descUnauthorized       = "Unauthorized"
	descNotFound           = "Not Found"
	descConflictPoll       = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	descConflictWebhook    = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	descConflictSetWebhook = "Conflict: terminated by setWebhook request"
	descQueryTooOld        = "query is too old and response timeout expired or query ID is invalid"
	descNotModified        = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	descWrongFileID        = "wrong file identifier/HTTP URL specified"
	descFailedURL          = "failed to get HTTP URL content"
	descEntityTooLarge     = "Request Entity Too Large"
)

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s", e.code, e.description)
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(msg string) *apiError {
	return &apiError{code: http.StatusForbidden, description: "Forbidden: " + msg}
}

func unauthorized() *apiError {
	return &apiError{code: http.StatusUnauthorized, description: descUnauthorized}
}

func notFound() *apiError {
	return &apiError{code: http.StatusNotFound, description: descNotFound}
}

func conflict(description string) *apiError {
	return &apiError{code: http.StatusConflict, description: description}
}

func entityTooLarge() *apiError {
	return &apiError{code: http.StatusRequestEntityTooLarge, description: descEntityTooLarge}
}

// injectedError builds the error a test asked for, filling Telegram's usual
// description when the test left it empty.
func injectedError(code int, description string, retryAfter int) *apiError {
	if description == "" {
		switch code {
		case http.StatusTooManyRequests:
			description = fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
		case http.StatusBadRequest:
			description = "Bad Request"
		case http.StatusForbidden:
			description = "Forbidden"
		case http.StatusConflict:
			description = "Conflict"
		default:
			description = http.StatusText(code)
		}
	}
	return &apiError{code: code, description: description, retryAfter: retryAfter}
}
