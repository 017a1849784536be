package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

func TestTouchUserCreatesOnceAndPicksLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 1001)

	u, created, err := s.TouchUser(ctx, store.SeenUser{ID: 7, ChatID: 7, FirstName: "Ann", LanguageCode: "en-GB"})
	if err != nil || !created || u.Language != "en" {
		t.Fatalf("first touch = %+v, created %v, err %v; want created English user", u, created, err)
	}
	u, created, err = s.TouchUser(ctx, store.SeenUser{ID: 7, ChatID: 7, FirstName: "Anna", LanguageCode: "ru"})
	if err != nil || created || u.FirstName != "Anna" || u.Language != "en" {
		t.Fatalf("second touch = %+v, created %v, err %v; want same user renamed, language kept", u, created, err)
	}
	u, _, _ = s.TouchUser(ctx, store.SeenUser{ID: 8, ChatID: 8, LanguageCode: ""})
	if u.Language != "ru" {
		t.Fatalf("user without language_code got %q, want ru", u.Language)
	}
}

func TestBotsSharingADatabaseDoNotSeeEachOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.NewPool(t)
	a, b := store.New(pool, 1), store.New(pool, 2)

	if _, _, err := a.TouchUser(ctx, store.SeenUser{ID: 42, ChatID: 42, FirstName: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.User(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot 2 sees bot 1's user: err = %v", err)
	}
	if err := b.SetLanguage(ctx, 42, "en"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot 2 changed bot 1's user: err = %v", err)
	}
	if u, err := a.User(ctx, 42); err != nil || u.Language != "ru" {
		t.Fatalf("bot 1's user = %+v, %v", u, err)
	}
}
