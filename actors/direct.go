package actors

import (
	"sync/atomic"

	"github.com/kiebot/kiebot/store"
)

// directFeed carries polled batches from the poller straight to the
// dispatcher in polling mode, without an inbox commit in between: Telegram
// keeps every update it has not been told was received (the next
// getUpdates' offset says so), so a batch needs to be durable only before
// the next poll, not before it is handled. The poller polls again once
// every update of the batch is committed by its step (which inserts the
// update's inbox row, processed) or, past PollerConfig.SpillAfter, after
// storing the rest in the inbox as before. Either way the next getUpdates
// confirms only durable updates, and the inbox's primary key keeps each
// update's effect to one.
type directFeed struct {
	batches chan directBatch
	// stored counts the poller's inbox stores; the dispatcher reads the
	// inbox before routing a direct batch whenever it moved, so a user's
	// stored updates are routed before their later direct ones.
	stored atomic.Uint64
}

func newDirectFeed() *directFeed { return &directFeed{batches: make(chan directBatch)} }

// directBatch is one polled batch handed to the dispatcher.
type directBatch struct {
	updates []store.PendingUpdate // Unstored, in Telegram's order
	// done receives each update's id once it is durable (its step or its
	// failure committed); buffered for every update, never blocks.
	done chan int64
	// refused is closed when the dispatcher cannot take the batch (its
	// buffer is full): the poller stores it in the inbox instead.
	refused chan struct{}
}
