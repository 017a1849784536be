package shop

import (
	"errors"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// This file turns the conversation machine's platform-neutral screens into
// Bot API calls: the only place fsm meets the Telegram adapter.

// buttons converts an fsm screen's buttons into the adapter's.
func buttons(rows [][]fsm.Button) [][]telegram.Button {
	if len(rows) == 0 {
		return nil
	}
	out := make([][]telegram.Button, len(rows))
	for i, row := range rows {
		out[i] = make([]telegram.Button, len(row))
		for k, b := range row {
			out[i][k] = telegram.Button{Text: b.Text, Data: b.Data, URL: b.URL}
		}
	}
	return out
}

// screenOp sends screen s as a new message to chatID.
func screenOp(chatID int64, s fsm.Screen) telegram.Op {
	return telegram.SendOp(chatID, s.Text, buttons(s.Buttons))
}

// editOp replaces message msgID's content with s.
func editOp(chatID int64, msgID int, s fsm.Screen) telegram.Op {
	return telegram.EditOp(chatID, msgID, s.Text, buttons(s.Buttons))
}

// textOp sends a plain catalogue text as a new message.
func textOp(chatID int64, text string) telegram.Op {
	return telegram.SendOp(chatID, text, nil)
}

// ops turns the machine's outputs into Bot API calls.
func ops(chatID int64, outs []fsm.Out) []telegram.Op {
	var ops []telegram.Op
	for _, o := range outs {
		switch {
		case o.Answer != nil:
			ops = append(ops, telegram.Op{Kind: telegram.OpAnswer, CallbackID: o.Answer.CallbackID, Text: o.Answer.Text, Alert: o.Answer.Alert})
		case o.Screen != nil && o.Edit > 0:
			ops = append(ops, editOp(chatID, o.Edit, *o.Screen))
		case o.Screen != nil:
			ops = append(ops, screenOp(chatID, *o.Screen))
		case o.Action != "":
			ops = append(ops, telegram.Op{Kind: telegram.OpAction, ChatID: chatID, Action: o.Action})
		}
	}
	return ops
}

// mediaKind is how a model's output is sent.
func mediaKind(output string) string {
	switch output {
	case "image":
		return telegram.MediaPhoto
	case "video":
		return telegram.MediaVideo
	case "audio":
		return telegram.MediaAudio
	}
	return telegram.MediaDocument
}

// resultOps re-sends a finished job's result by URL (the /history
// "resend" button); the caption and buttons go with the first file.
func resultOps(reg *pricing.Registry, job store.Job, lang fsm.Lang) []telegram.Op {
	name := modelName(reg, job.ModelID, lang)
	var ops []telegram.Op
	for i, u := range job.ResultURLs {
		op := telegram.Op{Kind: telegram.OpMedia, ChatID: job.ChatID, Media: mediaKind(job.Output), URL: u}
		if i == 0 {
			op.Text = fsm.ResultCaption(lang, job.ID, name)
			op.Buttons = buttons(fsm.ResultButtons(lang, job.ID, job.ModelID))
		}
		ops = append(ops, op)
	}
	return ops
}

// modelName is a model's display name in lang, or its id when the
// registry no longer knows it.
func modelName(reg *pricing.Registry, id string, lang fsm.Lang) string {
	if m, ok := reg.Lookup(id); ok {
		return m.Name(string(lang))
	}
	return id
}

// retryable tells a delivery failure worth another try from one that will
// fail again: a result gone at Kie never comes back; otherwise the
// adapter's classification of Bot API errors decides.
func retryable(err error) bool {
	if errors.Is(err, ErrResultGone) {
		return false
	}
	return telegram.IsRetryable(err)
}
