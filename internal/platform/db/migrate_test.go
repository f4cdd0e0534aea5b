package db_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
)

// TestMigrateAndTransactions runs on the real engine: forward migrations
// are applied once, and a failed transaction leaves nothing behind.
func TestMigrateAndTransactions(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ms := []db.Migrations{{Module: "m", FS: fstest.MapFS{
		"0001_t.sql":          {Data: []byte("CREATE TABLE m_t (id {{pk}}, at {{timestamp}} NOT NULL, name TEXT UNIQUE);")},
		"0002_x.sqlite.sql":   {Data: []byte("CREATE INDEX m_t_at ON m_t (at);")},
		"0002_x.postgres.sql": {Data: []byte("CREATE INDEX m_t_at ON m_t USING btree (at);")},
	}}}
	if n, err := d.Migrate(ctx, ms); err != nil || n != 2 {
		t.Fatalf("first migrate: %d %v", n, err)
	}
	if n, err := d.Migrate(ctx, ms); err != nil || n != 0 {
		t.Fatalf("second migrate: %d %v", n, err)
	}
	st, err := d.MigrationStatus(ctx, ms)
	if err != nil || st.Latest != "m/0002_x" || len(st.Pending) != 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	boom := errors.New("boom")
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO m_t (at, name) VALUES (?, ?)", tx.Now(), "a"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx error %v", err)
	}
	var n int
	d.QueryRowContext(ctx, "SELECT COUNT(*) FROM m_t").Scan(&n)
	if n != 0 {
		t.Errorf("a failed transaction left %d rows", n)
	}
	_, err = d.ExecContext(ctx, "INSERT INTO m_t (at, name) VALUES (?, ?)", d.Now(), "b")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ExecContext(ctx, "INSERT INTO m_t (at, name) VALUES (?, ?)", d.Now(), "b")
	if !db.IsUniqueViolation(err) {
		t.Errorf("duplicate not recognised: %v", err)
	}
}

// TestNestedTxUsesSavepoints: a Tx begun inside another (through WithTx)
// undoes only its own work when it fails, on both engines.
func TestNestedTxUsesSavepoints(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t, nil, db.Migrations{Module: "n", FS: fstest.MapFS{"0001_t.sql": {Data: []byte("CREATE TABLE n_t (name TEXT UNIQUE);")}}})
	insert := func(ctx context.Context, name string) error {
		return d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO n_t (name) VALUES (?)", name)
			return err
		})
	}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		inner := db.WithTx(ctx, tx)
		if err := insert(inner, "a"); err != nil {
			return err
		}
		if err := insert(inner, "a"); err == nil {
			t.Error("duplicate accepted")
		}
		return insert(inner, "b") // the transaction goes on after the failed part
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	d.QueryRowContext(ctx, "SELECT COUNT(*) FROM n_t").Scan(&n)
	if n != 2 {
		t.Errorf("%d rows, want a and b", n)
	}
}

// Two instances starting together on a new database each migrate it; the
// migrations are applied once and neither fails.
func TestMigrateFromTwoInstancesAtOnce(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	ms := []db.Migrations{{Module: "m", FS: fstest.MapFS{
		"0001_t.sql": {Data: []byte("CREATE TABLE m_t (id {{pk}}, name TEXT UNIQUE);")},
		"0002_u.sql": {Data: []byte("CREATE TABLE m_u (id {{pk}});")},
	}}}
	var ds [2]*db.DB
	for i := range ds {
		d, err := db.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ds[i] = d
	}
	// The schema_migrations table exists before the race, as after any
	// earlier start.
	if _, err := ds[0].MigrationStatus(ctx, nil); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 2)
	applied := make(chan int, 2)
	for _, d := range ds {
		go func() {
			n, err := d.Migrate(ctx, ms)
			applied <- n
			errc <- err
		}()
	}
	total := 0
	for range ds {
		if err := <-errc; err != nil {
			t.Errorf("migrate: %v", err)
		}
		total += <-applied
	}
	if total != 2 {
		t.Errorf("%d migrations applied by the two, want 2", total)
	}
}
