package cases

import (
	"context"
	"fmt"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

// whistleQuery selects the whistles of f in sc, as the whistle record
// lists them.
func whistleQuery(sel string, sc authz.Scope, f WhistleFilter) *db.Query {
	qb := propertyCases(db.NewQuery(sel), sc).
		ScopeMatch(sc, "w.region_code", "w.id IN (SELECT p.whistle_id FROM case_whistle_parties p WHERE p.dept_id = ?)", 1)
	if f.Open || f.ToReport {
		qb.And("w.closed_at IS NULL").And("w.withdrawn_at IS NULL")
	}
	if f.ToReport {
		const unreported = `EXISTS (SELECT 1 FROM case_whistle_parties p WHERE p.whistle_id = w.id AND p.reported_at IS NULL AND p.withdrawn_at IS NULL`
		if sc.Department != 0 {
			qb.And(unreported+` AND p.dept_id = ?)`, sc.Department)
		} else {
			qb.And(unreported + `)`)
		}
	}
	return qb
}

// WhistleTotal counts the whistles of f in the actor's scope: the total
// of the whistle record's list.
func (s *Service) WhistleTotal(ctx context.Context, f WhistleFilter) (int64, error) {
	q, args := whistleQuery(`/* cases.whistleTotal */ SELECT COUNT(*)`+whistleFrom, authz.ScopeFrom(ctx), f).SQL()
	var n int64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cases: whistle total: %w", err)
	}
	return n, nil
}
