package change_test

import (
	"context"
	"errors"
	"testing"

	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
)

// open returns two handles on one fresh database, as two instances have.
func open(t *testing.T) (*db.DB, *db.DB) {
	t.Helper()
	ctx := context.Background()
	url := dbtest.URL(t)
	var out [2]*db.DB
	for i := range out {
		d, err := db.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		out[i] = d
	}
	if _, err := out[0].Migrate(ctx, []db.Migrations{change.Migrations()}); err != nil {
		t.Fatal(err)
	}
	return out[0], out[1]
}

func TestFeed(t *testing.T) {
	ctx := context.Background()
	a, b := open(t)
	feed := change.NewFeed(b)
	runs := map[string]int{}
	fail := false
	feed.Watch("grids", func(context.Context) error { runs["grids"]++; return nil })
	feed.Watch("memo", func(context.Context) error {
		runs["memo"]++
		if fail {
			return errors.New("reload failed")
		}
		return nil
	})
	if err := feed.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	write := func(fn func(tx *db.Tx) error) {
		t.Helper()
		_ = a.Tx(ctx, fn)
	}
	poll := func() error {
		t.Helper()
		return feed.Poll(ctx)
	}
	if err := poll(); err != nil || len(runs) != 0 {
		t.Fatalf("a poll with nothing written ran %v (%v)", runs, err)
	}
	// Touched twice in one transaction: one announcement.
	write(func(tx *db.Tx) error { change.Touch(tx, "grids"); change.Touch(tx, "grids"); return nil })
	if err := poll(); err != nil || runs["grids"] != 1 || runs["memo"] != 0 {
		t.Fatalf("after one write: %v (%v)", runs, err)
	}
	if poll(); runs["grids"] != 1 {
		t.Errorf("a second poll ran the watcher again: %v", runs)
	}
	// A write that rolls back announces nothing.
	write(func(tx *db.Tx) error { change.Touch(tx, "grids"); return errors.New("refused") })
	if poll(); runs["grids"] != 1 {
		t.Errorf("a rolled-back write was announced: %v", runs)
	}
	// Nor does a part of an import undone by its savepoint.
	write(func(tx *db.Tx) error {
		inner := db.WithTx(ctx, tx)
		_ = a.Tx(inner, func(tx *db.Tx) error { change.Touch(tx, "grids"); return errors.New("bad row") })
		return a.Tx(inner, func(tx *db.Tx) error { change.Touch(tx, "memo"); return nil })
	})
	if poll(); runs["grids"] != 1 || runs["memo"] != 1 {
		t.Errorf("after an import with one bad part: %v", runs)
	}
	// Many writes between two polls: one reload.
	for range 20 {
		write(func(tx *db.Tx) error { change.Touch(tx, "grids"); return nil })
	}
	if poll(); runs["grids"] != 2 {
		t.Errorf("twenty writes between polls: %v", runs)
	}
	// A failed reload is tried again at the next poll, and only then
	// taken as done.
	fail = true
	write(func(tx *db.Tx) error { change.Touch(tx, "memo"); return nil })
	if err := poll(); err == nil || runs["memo"] != 2 {
		t.Errorf("failed reload: %v (%v)", runs, err)
	}
	fail = false
	if err := poll(); err != nil || runs["memo"] != 3 {
		t.Errorf("retry: %v (%v)", runs, err)
	}
	if poll(); runs["memo"] != 3 {
		t.Errorf("after the retry: %v", runs)
	}
}

// A feed that was never primed takes the first poll as its start.
func TestFeedUnprimed(t *testing.T) {
	ctx := context.Background()
	a, b := open(t)
	if err := a.Tx(ctx, func(tx *db.Tx) error { change.Touch(tx, "t"); return nil }); err != nil {
		t.Fatal(err)
	}
	feed := change.NewFeed(b)
	n := 0
	feed.Watch("t", func(context.Context) error { n++; return nil })
	feed.Poll(ctx)
	if n != 0 {
		t.Errorf("the first poll ran %d reloads", n)
	}
	a.Tx(ctx, func(tx *db.Tx) error { change.Touch(tx, "t"); return nil })
	feed.Poll(ctx)
	if n != 1 {
		t.Errorf("after a write: %d reloads", n)
	}
}
