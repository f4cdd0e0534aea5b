package web

import (
	"context"
	"fmt"

	"grassroots/internal/platform/db"
)

// Newest is a page of a list newest first: the rows of from that where
// selects, after afterID by idCol, with the whole list's total. what
// names the query in the database's logs (admission.tasks).
func Newest[T any](ctx context.Context, q db.Querier, what, cols, from, idCol string, where func(*db.Query) *db.Query, afterID int64, limit int,
	scan func(db.Scanner) (T, error), id func(T) int64) (List[T], error) {
	qb := where(db.NewQuery(`/* ` + what + ` */ SELECT ` + cols + from))
	if afterID > 0 {
		qb.And(idCol+" < ?", afterID)
	}
	s, args := qb.Tail("ORDER BY "+idCol+" DESC LIMIT ?", limit+1).SQL()
	rows, err := db.Collect(ctx, q, s, args, scan)
	if err != nil {
		return List[T]{}, fmt.Errorf("%s: %w", what, err)
	}
	cs, cargs := where(db.NewQuery(`/* ` + what + `Total */ SELECT COUNT(*)` + from)).SQL()
	var total int64
	if err := q.QueryRowContext(ctx, cs, cargs...).Scan(&total); err != nil {
		return List[T]{}, fmt.Errorf("%s total: %w", what, err)
	}
	l := Paginate(rows, limit, func(x T) Cursor { return Cursor{ID: id(x)} })
	l.Total = &total
	return l, nil
}
