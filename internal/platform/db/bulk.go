package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// InsertRows inserts rows into table in multi-row INSERT statements of at
// most chunk rows each; bulk imports use it. Every row must have one value
// per column.
func (tx *Tx) InsertRows(ctx context.Context, table string, cols []string, rows [][]any, chunk int) error {
	if chunk <= 0 {
		chunk = 100
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := "/* db.InsertRows */ INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	stmtFor := func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		return b.String()
	}
	// Full chunks share one prepared statement; the rest gets its own.
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if len(rows[i]) != len(cols) {
				return fmt.Errorf("db: insert into %s: row %d has %d values for %d columns", table, i, len(rows[i]), len(cols))
			}
			args = append(args, rows[i]...)
		}
		var err error
		if end-start == chunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, stmtFor(chunk)); err != nil {
					return fmt.Errorf("db: insert into %s: %w", table, err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("db: insert into %s: %w", table, err)
		}
	}
	return nil
}

// In returns "?, ?, …" for n values, for IN lists.
func In(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
