package fsm

import (
	"errors"
	"fmt"
	"strconv"

	lfsm "github.com/looplab/fsm"

	"github.com/kiebot/kiebot/pricing"
)

// ErrInternal wraps a panic Step recovered from: a bug, never a user's
// doing. The actor apologises as for any other error.
var ErrInternal = errors.New("fsm: internal error")

// Step runs one input through the conversation at (state, data): data is the
// machine's own JSON, "" or nil when new. It never panics (a bug surfaces as
// an error wrapping ErrInternal), answers every callback exactly once, and
// changes nothing but its return value. Errors come from Env.Facts or from
// an Env without a registry; the actor retries, then apologises.
func Step(env Env, state string, data []byte, in Input) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, fmt.Errorf("%w: step %q in state %q: %v", ErrInternal, in.Kind.String(), state, r)
		}
	}()
	return step(env, state, data, in)
}

func (k InputKind) String() string {
	switch k {
	case InputCommand:
		return "command"
	case InputText:
		return "text"
	case InputCallback:
		return "callback"
	case InputFile:
		return "file"
	case InputOutcome:
		return "outcome"
	}
	return "input(" + strconv.Itoa(int(k)) + ")"
}

// turn is one Step in progress: a working copy of the session, the machine
// and what has been decided so far.
type turn struct {
	env  Env
	lang Lang
	in   Input
	reg  *pricing.Registry
	m    *lfsm.FSM
	s    session

	out   []Out
	ans   *Answer
	cmd   Command
	fresh bool // send screens as new messages even for a callback
}

// step is Step without the recover, so tests and the fuzzer see real panics.
func step(env Env, state string, data []byte, in Input) (Result, error) {
	if env.Registry == nil && env.Pricer != nil {
		env.Registry = env.Pricer.Registry()
	}
	if env.Registry == nil || env.Pricer == nil {
		return Result{}, errors.New("fsm: env needs a registry and a pricer")
	}
	t := &turn{env: env, lang: LangOf(string(env.Lang)), in: in, reg: env.Registry, m: NewConversation(state), s: loadSession(data)}
	if t.m.Current() != state && state != "" {
		t.s = session{V: sessionVersion} // an unknown state: its data means nothing either
	}
	if err := t.dispatch(); err != nil {
		return Result{}, err
	}
	return t.result()
}

func (t *turn) dispatch() error {
	t.demoted()
	// A forward is a user lookup, except as a broadcast's content.
	composing := t.state() == StateAdminAsk && t.s.Adm != nil && isBcAsk(t.s.Adm.Ask)
	if t.in.Forward != nil && t.env.IsAdmin && isAdminState(t.state()) && !composing && (t.in.Kind == InputText || t.in.Kind == InputFile) {
		return t.adminForward(t.in.Forward) // who sent this? (a user lookup)
	}
	switch t.in.Kind {
	case InputCommand:
		return t.command()
	case InputText:
		switch t.state() {
		case StateInput:
			return t.inputText()
		case StateAdminAsk:
			return t.adminText(t.in.Text)
		case StateManual:
			t.show(Screen{Text: T(t.lang, KeyReceiptWaiting), Buttons: [][]Button{{menuButton(t.lang)}}})
			return nil
		case StatePromo:
			return t.promoText()
		}
		t.show(Hint(t.lang))
	case InputFile:
		switch t.state() {
		case StateInput:
			return t.inputFile()
		case StateAdminAsk:
			return t.adminText(t.in.Text) // a caption is what they typed; validated as such
		case StateManual:
			return t.manualFile()
		}
		if t.manualOn() && receiptKind(*t.in.File) {
			t.show(Screen{Text: T(t.lang, KeyReceiptOutside)}) // a receipt sent outside the flow
			return nil
		}
		t.show(Screen{Text: T(t.lang, KeyFileNotNow)})
	case InputCallback:
		return t.callback()
	case InputOutcome:
		return t.bcOutcome()
	}
	return nil
}

func (t *turn) result() (Result, error) {
	data, err := t.s.encode()
	if err != nil {
		return Result{}, fmt.Errorf("encode conversation data: %w", err)
	}
	res := Result{State: t.state(), Data: data, Cmd: t.cmd}
	if t.in.Kind == InputCallback {
		a := t.ans
		if a == nil {
			a = &Answer{}
		}
		a.CallbackID = t.in.CallbackID
		// The answer goes first: it stops the client's spinner.
		res.Out = append(res.Out, Out{Answer: a})
	}
	res.Out = append(res.Out, t.out...)
	return res, nil
}

func (t *turn) state() string { return t.m.Current() }

// fire moves the machine; false means the table forbids the event here,
// which the caller treats as a stale button. It crosses between the shop's
// machine and the console's (conversation.go): an event the machine at
// hand does not know is fired on the one built for the current state, and
// a console screen asked for from the shop goes through the console's
// door, the admin menu, first.
func (t *turn) fire(event string) bool {
	if Fire(t.m, event) == nil {
		return true
	}
	if m := NewConversation(t.state()); Fire(m, event) == nil {
		t.m = m
		return true
	}
	if !isAdminEvent(event) || isAdminState(t.state()) {
		return false
	}
	if Fire(NewConversation(t.state()), EventAdmin) != nil {
		return false
	}
	m := NewConversation(StateAdmin)
	if Fire(m, event) != nil {
		return false
	}
	t.m = m
	return true
}

// answer sets the callback's answer text (the first one wins).
func (t *turn) answer(text string, alert bool) {
	if t.ans == nil {
		t.ans = &Answer{Text: cutRunes(text, maxAnswer), Alert: alert}
	}
}

// show adds a screen: for a callback it replaces the pressed message, else
// it is a new message.
func (t *turn) show(sc Screen) {
	sc.Text = fitText(sc.Text)
	o := Out{Screen: &sc}
	if t.in.Kind == InputCallback && t.in.MessageID > 0 && !t.fresh {
		o.Edit = t.in.MessageID
	}
	t.out = append(t.out, o)
}

// rotate gives a new interactive screen its nonce; buttons made with b
// afterwards belong to it.
func (t *turn) rotate() { t.s.rotate(t.env.UserID, t.env.Now.UnixNano()) }

// b makes a callback button of the current screen.
func (t *turn) b(text, action, arg string) Button {
	return Button{Text: text, Data: callbackData(t.s.Nonce, action, arg)}
}

func (t *turn) command() error {
	if ok, err := t.adminCommand(); ok {
		return err
	}
	switch t.in.Command {
	case "start":
		t.s.clearOrder()
		t.fire(EventStart)
		return t.mainMenu(t.welcome())
	case "menu":
		t.s.clearOrder()
		t.fire(EventMenu)
		return t.mainMenu("")
	case "cancel":
		t.s.clearOrder()
		t.fire(EventMenu)
		return t.mainMenu(T(t.lang, KeyCancelled))
	case "balance":
		return t.balance()
	case "history":
		return t.history()
	case "help":
		return t.help(false)
	case "paysupport":
		return t.help(true)
	case "language", "lang":
		return t.language()
	case "topup":
		return t.topUp()
	case "subscription":
		return t.subscription()
	case "invite", "referral", "ref":
		return t.invite()
	case "promo":
		return t.promoCommand()
	}
	t.show(Hint(t.lang))
	return nil
}

func (t *turn) callback() error {
	nonce, action, arg, ok := parseCallback(t.in.Callback)
	switch {
	case !ok:
		return t.stale()
	case nonce == globalNonce:
		t.fresh = true // the button may sit on a media message or a progress message
		return t.global(action, arg)
	case t.s.Done != nil && nonce == t.s.Done.Nonce && action == aConfirm:
		// A second tap on a confirmation already pressed: the same job again,
		// which the database recognises by its key.
		t.answer(T(t.lang, KeyAlreadySent), false)
		t.cmd = t.s.Done.Job
		return nil
	case t.env.IsAdmin && t.s.Adm != nil && t.s.Adm.Done != nil && nonce == t.s.Adm.Done.Nonce && action == aAConfirm:
		// The same for a change an admin confirmed: the service knows its key.
		t.answer(T(t.lang, KeyAdminAlreadyDone), false)
		t.cmd = t.s.Adm.Done.Act
		return nil
	case t.env.IsAdmin && t.s.Adm != nil && t.s.Adm.BcDone != nil && nonce == t.s.Adm.BcDone.Nonce && action == aBcStart:
		// A second tap on a start: the same broadcast, which the actor
		// recognises by its key.
		t.answer(T(t.lang, KeyBcAlreadyStarted), false)
		t.cmd = t.s.Adm.BcDone.Cmd
		return nil
	case nonce != t.s.Nonce:
		return t.stale()
	}
	return t.action(action, arg)
}

// global handles buttons rendered outside Step, whose argument is an id.
func (t *turn) global(action, arg string) error {
	switch action {
	case aMenu:
		t.s.clearOrder()
		t.fire(EventMenu)
		return t.mainMenu("")
	case aTopUp:
		return t.topUp()
	case aBalance:
		return t.balance()
	case aHistory:
		return t.history()
	case aModel:
		if _, err := t.model(arg); err != nil {
			t.answer(T(t.lang, KeyModelGoneShort), false)
			return t.stale()
		}
		t.s.clearOrder()
		t.s.Model = arg
		t.fire(EventOpen)
		return t.card()
	case aRepeat, aResend:
		id, ok := jobID(arg)
		if !ok {
			return t.stale()
		}
		if action == aResend {
			return t.resend(id)
		}
		return t.repeat(id)
	case aAdm, aMods, aUsr, aOrd, aBcList, aBcDraft, aBcStatus, aBcPause, aBcResume, aBcCancel, aBcCancelYes:
		return t.adminGlobal(action, arg)
	case aManOK, aManNo, aManList:
		return t.manualGlobal(action, arg)
	case aInvite:
		return t.invite()
	case aPromo:
		return t.promoPrompt()
	}
	return t.stale()
}

// action handles a button of the current screen.
func (t *turn) action(action, arg string) error {
	switch action {
	case aMenu:
		t.s.clearOrder()
		t.fire(EventMenu)
		return t.mainMenu("")
	case aCancel:
		t.s.clearOrder()
		t.fire(EventMenu)
		t.answer(T(t.lang, KeyCancelledShort), false)
		return t.mainMenu(T(t.lang, KeyCancelled))
	case aCat, aFree, aPage, aModel:
		return t.browseAction(action, arg)
	case aGo, aOpt, aSkip, aFilesOK, aClear, aBack, aReview, aSettings, aEdit:
		return t.inputAction(action, arg)
	case aConfirm:
		return t.confirm()
	case aRefresh: // the confirmation again, also from the top-up screen
		if (t.state() != StateConfirm && t.state() != StateTopUp) || t.s.Model == "" {
			return t.stale()
		}
		return t.review("")
	case aBalance:
		return t.balance()
	case aHistory:
		return t.history()
	case aTopUp:
		return t.topUp()
	case aPack:
		return t.buy(arg)
	case aSub:
		return t.subscription()
	case aSubBuy, aSubCancel, aSubResume:
		return t.subAction(action)
	case aManual:
		return t.manualMenu()
	case aManAmt:
		return t.manualPick(arg)
	case aHelp:
		return t.help(false)
	case aLang:
		return t.language()
	case aSetLang:
		return t.setLanguage(arg)
	case aInvite:
		return t.invite()
	case aPromo:
		return t.promoPrompt()
	case aResend, aRepeat:
		i, ok := index(arg, len(t.s.Jobs))
		if !ok || t.state() != StateHistory {
			return t.stale()
		}
		if action == aResend {
			return t.resend(t.s.Jobs[i])
		}
		return t.repeat(t.s.Jobs[i])
	}
	if isAdminAction(action) || isBcAction(action) {
		return t.adminAction(action, arg)
	}
	return t.stale()
}

// stale answers a button from an old or forged message: a short note and
// the current screen as a new message. Nothing else changes.
func (t *turn) stale() error {
	t.answer(Outdated(t.lang), false)
	t.fresh = true
	return t.current("")
}

// gone says a model is no longer sold and shows the main menu.
func (t *turn) gone() error {
	t.answer(T(t.lang, KeyModelGoneShort), false)
	t.s.clearOrder()
	t.fire(EventMenu)
	return t.mainMenu(T(t.lang, KeyModelGone))
}

// current shows the screen of the current state again, with note on top.
func (t *turn) current(note string) error {
	switch t.state() {
	case StateCategory:
		return t.list(note)
	case StateModel:
		return t.card()
	case StateInput:
		return t.ask(note)
	case StateConfirm:
		return t.review(note)
	case StateBalance:
		return t.balance()
	case StateHistory:
		return t.history()
	case StateTopUp:
		return t.topUp()
	case StateManual:
		t.show(Screen{Text: T(t.lang, KeyReceiptWaiting), Buttons: [][]Button{{menuButton(t.lang)}}})
		return nil
	case StateSubscription:
		return t.subscription()
	case StateHelp:
		return t.help(false)
	case StateLanguage:
		return t.language()
	case StatePromo:
		return t.promoPrompt()
	}
	if t.env.IsAdmin && isAdminState(t.state()) {
		return t.adminCurrent(note)
	}
	t.fire(EventMenu)
	return t.mainMenu(note)
}
