package store

import (
	"context"
	"fmt"
)

// Conversation is a user's persisted conversation FSM state and data.
type Conversation struct {
	State   string
	Data    []byte // JSON owned by package fsm
	Version int64  // incremented at every save
}

// Conversation loads userID's conversation; ErrNotFound if it never began.
func (q *queries) Conversation(ctx context.Context, userID int64) (Conversation, error) {
	var c Conversation
	err := q.db.QueryRow(ctx, `SELECT state, data, version FROM conversations WHERE bot_id = $1 AND user_id = $2`,
		q.botID, userID).Scan(&c.State, &c.Data, &c.Version)
	if err != nil {
		return Conversation{}, fmt.Errorf("load conversation of user %d: %w", userID, interpret(err))
	}
	return c, nil
}

// SaveConversation stores userID's conversation state.
func (q *queries) SaveConversation(ctx context.Context, userID int64, state string, data []byte) error {
	if len(data) == 0 {
		data = []byte("{}")
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO conversations (bot_id, user_id, state, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (bot_id, user_id) DO UPDATE
		   SET state = EXCLUDED.state, data = EXCLUDED.data, version = conversations.version + 1, updated_at = now()`,
		q.botID, userID, state, jsonbText(data))
	if err != nil {
		return fmt.Errorf("save conversation of user %d: %w", userID, interpret(err))
	}
	return nil
}
