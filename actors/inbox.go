package actors

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/store"
)

// Update kinds the inbox records (the first field of an update besides
// update_id).
const (
	KindMessage       = "message"
	KindCallbackQuery = "callback_query"
	KindPreCheckout   = "pre_checkout_query"
	KindOther         = "other"
)

// updateHead is the part of an update the inbox needs to route it.
type updateHead struct {
	UpdateID      *int64                              `json:"update_id"`
	Message       *struct{ From *struct{ ID int64 } } `json:"message"`
	EditedMessage *struct{ From *struct{ ID int64 } } `json:"edited_message"`
	CallbackQuery *struct{ From struct{ ID int64 } }  `json:"callback_query"`
	PreCheckout   *struct{ From struct{ ID int64 } }  `json:"pre_checkout_query"`
	MyChatMember  *struct{ From struct{ ID int64 } }  `json:"my_chat_member"`
}

// classify returns the kind and sender of a raw update.
func classify(raw json.RawMessage) (id int64, kind string, userID int64, err error) {
	var h updateHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return 0, "", 0, err
	}
	if h.UpdateID == nil {
		return 0, "", 0, errors.New("update without update_id")
	}
	switch {
	case h.Message != nil:
		kind = KindMessage
		if h.Message.From != nil {
			userID = h.Message.From.ID
		}
	case h.CallbackQuery != nil:
		kind, userID = KindCallbackQuery, h.CallbackQuery.From.ID
	case h.PreCheckout != nil:
		kind, userID = KindPreCheckout, h.PreCheckout.From.ID
	case h.EditedMessage != nil:
		kind = KindOther
		if h.EditedMessage.From != nil {
			userID = h.EditedMessage.From.ID
		}
	case h.MyChatMember != nil:
		kind, userID = KindOther, h.MyChatMember.From.ID
	default:
		kind = KindOther
	}
	return *h.UpdateID, kind, userID, nil
}

// Inbox stores updates from the poller or the webhook.
type Inbox struct {
	Store   *store.Store
	Metrics *Metrics
	Source  string // "poll" or "webhook"
	// Stored, if set, is signalled (without blocking) after each stored
	// batch: the local dispatcher wakes without waiting for NOTIFY.
	Stored chan<- struct{}
	// Trace, if set, sees every update of a committed batch.
	Trace TraceFunc
}

// StoreUpdates makes the batch durable in one transaction.
func (in *Inbox) StoreUpdates(ctx context.Context, batch []telegram.RawUpdate) error {
	rows := make([]store.InboxUpdate, 0, len(batch))
	for _, u := range batch {
		_, kind, user, err := classify(u.JSON)
		if err != nil {
			// Stored anyway, under its id, so it is confirmed and visible
			// rather than blocking the poller forever.
			kind, user = KindOther, 0
		}
		rows = append(rows, store.InboxUpdate{UpdateID: u.ID, UserID: user, Kind: kind, Payload: u.JSON})
	}
	n, err := in.Store.StoreUpdates(ctx, in.Source, rows)
	if err != nil {
		return err
	}
	in.Metrics.UpdatesStored.WithLabelValues(in.Source).Add(float64(n))
	if in.Trace != nil {
		for _, u := range batch {
			in.Trace.mark(StageStored, u.ID)
		}
	}
	if in.Stored != nil && n > 0 {
		select {
		case in.Stored <- struct{}{}:
		default:
		}
	}
	return nil
}
