// Package dbtest gives each test a freshly migrated database: a SQLite file
// in the test's temporary folder, or, when TEST_POSTGRES_DSN is set, a
// PostgreSQL schema of its own that is dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"grassroots/internal/platform/db"
)

// EnvPostgres names the variable that switches store tests to PostgreSQL.
const EnvPostgres = "TEST_POSTGRES_DSN"

// URL returns a database URL for a new, empty database private to t.
func URL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	admin, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// New opens a new database for t and applies ms. clock may be nil.
func New(t testing.TB, clock func() time.Time, ms ...db.Migrations) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), URL(t), clock)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), ms); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}
