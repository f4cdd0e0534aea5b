// Package db opens SQLite or PostgreSQL behind one API, rebinds `?`
// placeholders for PostgreSQL, runs transactions with a fixed clock reading,
// builds scoped WHERE clauses and applies embedded migrations.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Dialect names the database engine.
type Dialect int

// The supported engines.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is a connection pool with its dialect and clock.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	clock   func() time.Time
	// writer queues SQLite's writers in the process (see lockWriter).
	writer chan struct{}
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
}

// Querier is satisfied by *DB and *Tx, so store functions run in or out of
// a transaction.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

// sqlitePragmas are the settings found to work here: WAL for concurrent
// readers, a busy timeout and immediate transactions so writers queue
// instead of failing, foreign keys on, and SQLite's own time format so its
// date functions can read stored times. Erasure turns secure_delete on
// for its own statements only (Tx.Shred): on every write it cost bulk
// imports about a tenth of their speed.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)&_txlock=immediate&_time_format=sqlite"

// ParseURL turns a database URL into a driver name and DSN. Accepted forms:
// "sqlite:path/to/file.db", "sqlite:///abs/path.db", "postgres://…",
// "postgresql://…".
func ParseURL(raw string) (d Dialect, driver, dsn, path string, err error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return 0, "", "", "", fmt.Errorf("database URL %q: %w", redact(raw), err)
		}
		// JIT compilation costs tens of milliseconds and pays only on long
		// analytical queries: short page queries whose cost the planner
		// overestimates paid it on every call. A URL may still set jit.
		q := u.Query()
		if !q.Has("jit") {
			q.Set("jit", "off")
			u.RawQuery = q.Encode()
		}
		return Postgres, "pgx", u.String(), "", nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(raw, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" {
			return 0, "", "", "", fmt.Errorf("database URL %q: a SQLite URL needs a file path, e.g. sqlite:data/grassroots.db", raw)
		}
		return SQLite, "sqlite", "file:" + p + "?" + sqlitePragmas, p, nil
	default:
		return 0, "", "", "", fmt.Errorf("database URL %q: must start with sqlite: or postgres://", redact(raw))
	}
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Open connects to the database at rawURL and checks that it answers.
func Open(ctx context.Context, rawURL string, clock func() time.Time) (*DB, error) {
	d, driver, dsn, path, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if d == SQLite {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("db: create folder for %s: %w", path, err)
			}
		}
	}
	sdb, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", d, err)
	}
	if d == SQLite {
		// One writer at a time is SQLite's model; a small pool of readers
		// is enough for WAL and keeps memory low.
		sdb.SetMaxOpenConns(8)
		// Keep them all: database/sql keeps 2 idle by default, and a new
		// SQLite connection costs its pragmas and its prepared statements.
		sdb.SetMaxIdleConns(8)
	} else {
		sdb.SetMaxOpenConns(20)
		sdb.SetMaxIdleConns(20)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("db: cannot reach %s database %s: %w", d, redact(rawURL), err)
	}
	if clock == nil {
		clock = time.Now
	}
	return &DB{sql: sdb, dialect: d, clock: clock, Path: path, writer: make(chan struct{}, 1)}, nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect returns the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying pool for health checks and metrics.
func (db *DB) SQL() *sql.DB { return db.sql }

// Now reads the injected clock, in UTC, at the precision both engines keep.
func (db *DB) Now() time.Time { return db.clock().UTC().Truncate(time.Microsecond) }

// maxStatements bounds the statement cache; queries past it are prepared
// each time, as without a cache.
const maxStatements = 2000

// statement returns the prepared statement of q from the cache, preparing
// it on first use; nil when q is not cached (a script of several
// statements, or the cache is full). Preparing is a third of the cost of
// a small write in SQLite; the statement is kept per connection by
// database/sql.
func (db *DB) statement(ctx context.Context, q string) *sql.Stmt {
	if len(q) > 4096 || strings.Contains(q, ";") {
		return nil // scripts, and the long multi-row inserts of bulk loads
	}
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[q]; ok {
		return st
	}
	if len(db.stmts) >= maxStatements {
		return nil
	}
	st, err := db.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil // the caller runs q unprepared and reports its error
	}
	if db.stmts == nil {
		db.stmts = map[string]*sql.Stmt{}
	}
	db.stmts[q] = st
	return st
}

// ExecContext runs q after rebinding placeholders.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = rebind(db.dialect, q)
	if st := db.statement(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.sql.ExecContext(ctx, q, args...)
}

// QueryContext runs q after rebinding placeholders.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(db.dialect, q)
	if st := db.statement(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.sql.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q after rebinding placeholders.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(db.dialect, q)
	if st := db.statement(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.sql.QueryRowContext(ctx, q, args...)
}

// Tx is a transaction whose Now is fixed at its start, so every row it
// writes carries the same time.
type Tx struct {
	db      *DB
	tx      *sql.Tx
	dialect Dialect
	now     time.Time
	saves   int // savepoints made, for unique names
	// before runs just ahead of the commit, in key order (see BeforeCommit).
	before []hook
}

// hook is one BeforeCommit function with its key.
type hook struct {
	key string
	fn  func(ctx context.Context, tx *Tx) error
}

type txKey struct{}

// WithTx returns ctx carrying tx: a Tx begun with that context runs inside
// it, under a savepoint, instead of beginning its own. Imports use it to
// create many rows with the modules' own checks and commit all or none.
func WithTx(ctx context.Context, tx *Tx) context.Context { return context.WithValue(ctx, txKey{}, tx) }

// Now is the time the transaction started.
func (tx *Tx) Now() time.Time { return tx.now }

// BeforeCommit has fn run in the transaction just before it commits, once
// for key however often it is asked. Hooks run in key order, so two
// transactions that lock the same rows in their hooks lock them in the
// same order and cannot deadlock there; they run last, so the rows they
// lock stay locked only for the commit. A hook that fails rolls the
// transaction back. A hook asked for inside a savepoint that rolls back
// is dropped with it. The change feed uses this to bump a topic's version
// in the transaction of the write it announces.
func (tx *Tx) BeforeCommit(key string, fn func(ctx context.Context, tx *Tx) error) {
	for _, h := range tx.before {
		if h.key == key {
			return
		}
	}
	tx.before = append(tx.before, hook{key: key, fn: fn})
}

// runBefore runs the BeforeCommit hooks in key order.
func (tx *Tx) runBefore(ctx context.Context) error {
	hs := slices.Clone(tx.before)
	slices.SortFunc(hs, func(a, b hook) int { return strings.Compare(a.key, b.key) })
	for _, h := range hs {
		if err := h.fn(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// Dialect returns the engine.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// stmt returns the cached statement of q bound to the transaction.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st := tx.db.statement(ctx, q); st != nil {
		return tx.tx.StmtContext(ctx, st)
	}
	return nil
}

// ExecContext runs q after rebinding placeholders.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = rebind(tx.dialect, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// QueryContext runs q after rebinding placeholders.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(tx.dialect, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q after rebinding placeholders.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(tx.dialect, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// PrepareContext prepares q (rebound) for repeated use in the transaction;
// bulk imports use it.
func (tx *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, rebind(tx.dialect, q))
}

// Tx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise, so a failed request leaves the data as it was.
func (db *DB) Tx(ctx context.Context, fn func(*Tx) error) (err error) {
	if outer, ok := ctx.Value(txKey{}).(*Tx); ok {
		return outer.savepoint(ctx, fn)
	}
	unlock, err := db.lockWriter(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer unlock()
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{db: db, tx: stx, dialect: db.dialect, now: db.Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	err = fn(tx)
	if err == nil {
		err = tx.runBefore(ctx)
	}
	if err != nil {
		if rerr := stx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("db: rollback: %w", rerr))
		}
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// savepoint runs fn inside the transaction under a savepoint, undoing only
// fn's work when it fails.
func (tx *Tx) savepoint(ctx context.Context, fn func(*Tx) error) error {
	tx.saves++
	name := fmt.Sprintf("sp_%d", tx.saves)
	if _, err := tx.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("db: savepoint: %w", err)
	}
	hooks := len(tx.before)
	if err := fn(tx); err != nil {
		tx.before = tx.before[:hooks]
		if _, rerr := tx.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("db: rollback to savepoint: %w", rerr))
		}
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("db: release savepoint: %w", err)
	}
	return nil
}

// rebind turns `?` placeholders into `$1…$n` for PostgreSQL, skipping
// quoted strings and comments.
func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i:], "*/")
			if j < 0 {
				j = len(q) - i - 2
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
