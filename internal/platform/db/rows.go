package db

import (
	"context"
	"database/sql"
	"errors"
)

// Scanner is one result row: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Collect runs a query and scans every row with scan.
func Collect[T any](ctx context.Context, q Querier, query string, args []any, scan func(Scanner) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// One runs a query for a single row; no row gives notFound.
func One[T any](ctx context.Context, q Querier, query string, args []any, scan func(Scanner) (T, error), notFound error) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound
	}
	return v, err
}
