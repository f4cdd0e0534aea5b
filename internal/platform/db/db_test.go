package db

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/platform/authz"
)

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"Plain", "SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{"QuotedMarkKept", "SELECT '?' , \"x?\" FROM t WHERE a = ?", "SELECT '?' , \"x?\" FROM t WHERE a = $1"},
		{"CommentsKept", "/* q? */ SELECT ? -- why?\n, ?", "/* q? */ SELECT $1 -- why?\n, $2"},
		{"None", "SELECT 1", "SELECT 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebind(Postgres, tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := rebind(SQLite, tt.in); got != tt.in {
				t.Errorf("SQLite changed the query: %q", got)
			}
		})
	}
}

func TestScopeQuery(t *testing.T) {
	for _, tt := range []struct {
		name  string
		sc    authz.Scope
		want  string
		wargs []any
	}{
		{"All", authz.All, "SELECT x FROM t WHERE (a = ?)", []any{1}},
		{"Nothing", authz.Scope{}, "SELECT x FROM t WHERE (a = ?) AND (1 = 0)", []any{1}},
		{"Subtree", authz.Scope{Region: "360102"}, "SELECT x FROM t WHERE (a = ?) AND (r >= ? AND r < ?)", []any{1, "360102", "360103"}},
		{"CarryNine", authz.Scope{Region: "3609"}, "SELECT x FROM t WHERE (a = ?) AND (r >= ? AND r < ?)", []any{1, "3609", "361"}},
		{"Department", authz.Scope{Region: "3601", Department: 7}, "SELECT x FROM t WHERE (a = ?) AND (r >= ? AND r < ?) AND (d = ?)", []any{1, "3601", "3602", int64(7)}},
		{"Grids", authz.Scope{Region: "360102002001", GridsOnly: true, Grids: []string{"360102002001001", "360102002001002"}},
			// A grid is a leaf: its subtree is one code.
			"SELECT x FROM t WHERE (a = ?) AND ((r = ?) OR (r = ?))",
			[]any{1, "360102002001001", "360102002001002"}},
		{"NoGridAssigned", authz.Scope{Region: "360102002001", GridsOnly: true}, "SELECT x FROM t WHERE (a = ?) AND (1 = 0)", []any{1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, args := NewQuery("SELECT x FROM t").And("a = ?", 1).Scope(tt.sc, "r", "d").SQL()
			if s != tt.want {
				t.Errorf("sql %q, want %q", s, tt.want)
			}
			if diff := cmp.Diff(tt.wargs, args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		in      string
		dialect Dialect
		path    string
		bad     bool
	}{
		{"sqlite:data/x.db", SQLite, "data/x.db", false},
		{"sqlite:///abs/x.db", SQLite, "/abs/x.db", false},
		{"postgres://u@h/db", Postgres, "", false},
		{"postgresql://u@h/db", Postgres, "", false},
		{"sqlite:", 0, "", true},
		{"mysql://x", 0, "", true},
		{"data.db", 0, "", true},
	} {
		d, _, _, path, err := ParseURL(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && (d != tt.dialect || path != tt.path)) {
			t.Errorf("ParseURL(%q) = %v %q %v", tt.in, d, path, err)
		}
	}
	if _, _, _, _, err := ParseURL("mysql://u:secret@h/db"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("the error must not show the password: %v", err)
	}
}

func TestSplitStatements(t *testing.T) {
	src := `CREATE TABLE a (x INT);
-- a comment;
CREATE TRIGGER t BEFORE UPDATE ON a
BEGIN
	SELECT RAISE(ABORT, 'no');
END;
CREATE FUNCTION f() RETURNS trigger AS $$
BEGIN
	RAISE EXCEPTION 'no';
END;
$$ LANGUAGE plpgsql;
CREATE INDEX i ON a (x);`
	got := splitStatements(src)
	if len(got) != 4 {
		t.Fatalf("%d statements: %q", len(got), got)
	}
}

// TestWriterWaitEndsWithContext checks that a transaction queued behind a
// long one gives up when its request's context ends, and that the data of
// the long one is kept.
func TestWriterWaitEndsWithContext(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "w.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- d.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = d.Tx(wctx, func(tx *Tx) error { _, err := tx.ExecContext(wctx, `INSERT INTO t VALUES (2)`); return err })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued writer: %v, want the deadline", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows %d, %v; want the first writer's one", n, err)
	}
}
