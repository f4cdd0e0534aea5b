package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/template"
)

// Migrations is one module's embedded migration files.
type Migrations struct {
	Module string
	FS     fs.FS // files NNNN_name.sql, or NNNN_name.sqlite.sql / .postgres.sql
}

// Status describes the applied and pending migrations.
type Status struct {
	Applied int
	Pending []string // module/name
	Latest  string   // last applied module/name
}

// errApplied stops a migration that another process applied meanwhile.
var errApplied = errors.New("db: migration applied meanwhile")

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	module TEXT NOT NULL,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	PRIMARY KEY (module, name))`

// files lists the migrations of m for d in lexical order.
func (m Migrations) files(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(m.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", m.Module, err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".sql") {
			continue
		}
		other := ".postgres.sql"
		if d == Postgres {
			other = ".sqlite.sql"
		}
		if strings.HasSuffix(n, other) {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// MigrationName strips the dialect suffix so both dialects record one name.
func migrationName(file string) string {
	n := strings.TrimSuffix(file, ".sql")
	n = strings.TrimSuffix(n, ".sqlite")
	return strings.TrimSuffix(n, ".postgres")
}

func (db *DB) applied(ctx context.Context) (map[string]bool, error) {
	if _, err := db.ExecContext(ctx, migrationsTable); err != nil {
		return nil, fmt.Errorf("db: create schema_migrations: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT module, name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("db: read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var mod, name string
		if err := rows.Scan(&mod, &name); err != nil {
			return nil, err
		}
		done[mod+"/"+name] = true
	}
	return done, rows.Err()
}

// MigrationStatus reports what is applied and what is pending.
func (db *DB) MigrationStatus(ctx context.Context, ms []Migrations) (Status, error) {
	done, err := db.applied(ctx)
	if err != nil {
		return Status{}, err
	}
	st := Status{Applied: len(done)}
	for _, m := range ms {
		files, err := m.files(db.dialect)
		if err != nil {
			return st, err
		}
		for _, f := range files {
			key := m.Module + "/" + migrationName(f)
			if done[key] {
				st.Latest = key
			} else {
				st.Pending = append(st.Pending, key)
			}
		}
	}
	return st, nil
}

// Migrate applies pending migrations in module order, each file in its own
// transaction with its record in schema_migrations. Instances that start
// together on one database migrate one after the other: the later finds
// the migrations applied.
func (db *DB) Migrate(ctx context.Context, ms []Migrations) (n int, err error) {
	err = db.exclusive(ctx, "migrate", func() error {
		n, err = db.migrate(ctx, ms)
		return err
	})
	return n, err
}

func (db *DB) migrate(ctx context.Context, ms []Migrations) (int, error) {
	done, err := db.applied(ctx)
	if err != nil {
		return 0, err
	}
	helpers := ddl(db.dialect)
	funcs := template.FuncMap{}
	for k, v := range helpers {
		funcs[k] = func() string { return v }
	}
	n := 0
	for _, m := range ms {
		files, err := m.files(db.dialect)
		if err != nil {
			return n, err
		}
		for _, f := range files {
			name := migrationName(f)
			if done[m.Module+"/"+name] {
				continue
			}
			src, err := fs.ReadFile(m.FS, f)
			if err != nil {
				return n, fmt.Errorf("migration %s/%s: %w", m.Module, f, err)
			}
			t, err := template.New(f).Funcs(funcs).Parse(string(src))
			if err != nil {
				return n, fmt.Errorf("migration %s/%s: %w", m.Module, f, err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, nil); err != nil {
				return n, fmt.Errorf("migration %s/%s: %w", m.Module, f, err)
			}
			err = db.Tx(ctx, func(tx *Tx) error {
				// Applied meanwhile by another process: SQLite's
				// transactions hold the write lock from their start, so
				// this check and the migration cannot be overtaken.
				var applied int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND name = ?`, m.Module, name).Scan(&applied); err != nil {
					return err
				}
				if applied > 0 {
					return errApplied
				}
				for _, stmt := range splitStatements(buf.String()) {
					if _, err := tx.ExecContext(ctx, stmt); err != nil {
						return fmt.Errorf("%w\n%s", err, stmt)
					}
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (module, name, applied_at) VALUES (?, ?, ?)`,
					m.Module, name, tx.Now().Format("2006-01-02T15:04:05Z"))
				return err
			})
			if errors.Is(err, errApplied) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("migration %s/%s: %w", m.Module, f, err)
			}
			n++
		}
	}
	return n, nil
}

// splitStatements splits a migration on lines that hold only "-- split",
// or on semicolons at line ends outside $$-quoted bodies and BEGIN…END
// trigger bodies.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	depth := 0 // BEGIN … END nesting (SQLite triggers), $$ bodies (PostgreSQL)
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		u := strings.ToUpper(t)
		if strings.Count(t, "$$")%2 == 1 {
			if depth == 0 {
				depth = -1
			} else if depth == -1 {
				depth = 0
			}
		}
		if depth >= 0 && (strings.HasSuffix(u, " BEGIN") || u == "BEGIN") {
			depth++
		}
		if depth > 0 && (u == "END;" || u == "END") {
			depth--
		}
		cur.WriteString(line + "\n")
		if depth == 0 && strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// RunOnce runs a data migration written in Go — one that needs more than
// SQL, such as the data key — unless schema_migrations records it already,
// and records it when it succeeds; like Migrate, on one instance at a time.
func (db *DB) RunOnce(ctx context.Context, module, name string, fn func(ctx context.Context) error) error {
	return db.exclusive(ctx, "migrate", func() error { return db.runOnce(ctx, module, name, fn) })
}

func (db *DB) runOnce(ctx context.Context, module, name string, fn func(ctx context.Context) error) error {
	done, err := db.applied(ctx)
	if err != nil {
		return err
	}
	if done[module+"/"+name] {
		return nil
	}
	if err := fn(ctx); err != nil {
		return fmt.Errorf("data migration %s/%s: %w", module, name, err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO schema_migrations (module, name, applied_at) VALUES (?, ?, ?)`,
		module, name, db.Now().Format("2006-01-02T15:04:05Z"))
	return err
}
