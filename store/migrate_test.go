package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kiebot/kiebot/migrations"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

func TestMigrateFreshDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.OpenPool(t, storetest.NewEmptyDatabase(t))
	ms := migrations.All()

	applied, err := store.Migrate(ctx, pool, ms, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(ms) {
		t.Fatalf("applied %v, want all %d", applied, len(ms))
	}
	if err := store.MigrationsApplied(ctx, pool, ms); err != nil {
		t.Fatalf("MigrationsApplied after migrating: %v", err)
	}
	again, err := store.Migrate(ctx, pool, ms, nil)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", again, err)
	}
}

func TestMigrateDatabaseOfAnEarlierVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.OpenPool(t, storetest.NewEmptyDatabase(t))
	ms := migrations.All()
	if len(ms) < 2 {
		t.Skip("needs at least two migrations")
	}
	if _, err := store.Migrate(ctx, pool, ms[:1], nil); err != nil {
		t.Fatal(err)
	}
	if err := store.MigrationsApplied(ctx, pool, ms); err == nil {
		t.Fatal("MigrationsApplied reports ready with migrations pending")
	}
	applied, err := store.Migrate(ctx, pool, ms, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(ms)-1 || applied[0] != 2 {
		t.Fatalf("applied %v, want versions 2..%d", applied, len(ms))
	}
}

func TestMigrateRefusesAChangedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.OpenPool(t, storetest.NewEmptyDatabase(t))
	ms := migrations.All()
	if _, err := store.Migrate(ctx, pool, ms, nil); err != nil {
		t.Fatal(err)
	}
	changed := append([]migrations.Migration(nil), ms...)
	changed[0].SQL += "\n-- edited after release\n"
	changed[0].Checksum = "0000000000000000deadbeef"
	_, err := store.Migrate(ctx, pool, changed, nil)
	if !errors.Is(err, store.ErrMigrationChanged) || !strings.Contains(err.Error(), ms[0].Name) {
		t.Fatalf("Migrate with an edited migration = %v; want ErrMigrationChanged naming %s", err, ms[0].Name)
	}
	if err := store.MigrationsApplied(ctx, pool, changed); !errors.Is(err, store.ErrMigrationChanged) {
		t.Fatalf("MigrationsApplied = %v; want ErrMigrationChanged", err)
	}
}

func TestMigrateConcurrentInstancesApplyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.NewEmptyDatabase(t)
	ms := migrations.All()

	const instances = 5
	var wg sync.WaitGroup
	results := make([][]int, instances)
	errs := make([]error, instances)
	start := make(chan struct{})
	for i := range instances {
		pool := storetest.OpenPool(t, dsn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = store.Migrate(ctx, pool, ms, nil)
		}()
	}
	close(start)
	wg.Wait()

	total := 0
	for i := range instances {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if total != len(ms) {
		t.Fatalf("migrations applied %d times in all, want exactly %d (once each): %v", total, len(ms), results)
	}
}
