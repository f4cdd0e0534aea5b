package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// RequestFilter selects cases for a standard interface (Open311): by ids,
// or by categories, open or closed, and the time of receipt.
type RequestFilter struct {
	IDs        []int64
	Categories []string
	Status     string // "open", "closed" or "" for both
	From, To   time.Time
	Limit      int
}

// Requests lists the cases f selects for a, newest first: those a may
// view, or for the public (a nil, or an actor who may not view cases)
// only cases of classes the catalogue does not mark private. full tells
// whether a may read what reporters wrote.
func (s *Service) Requests(ctx context.Context, a *authz.Actor, f RequestFilter) (cs []*Case, full bool, err error) {
	qb := db.NewQuery(`/* cases.Requests */ SELECT ` + caseCols + ` FROM cases c`)
	full = a != nil && a.Can(PermView)
	if full {
		scopeCases(qb, a.Scope)
	} else {
		cat, err := s.Catalogue(ctx, 0)
		if err != nil {
			return nil, false, err
		}
		var pub []any
		for _, cg := range cat.Subs("") {
			if cg.Public() {
				pub = append(pub, cg.Code)
			}
		}
		if len(pub) == 0 {
			return []*Case{}, false, nil
		}
		qb.And("c.category IN ("+db.In(len(pub))+")", pub...)
	}
	if len(f.IDs) > 0 {
		ids := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			ids[i] = id
		}
		qb.And("c.id IN ("+db.In(len(ids))+")", ids...)
	}
	if !f.From.IsZero() {
		qb.And("c.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		qb.And("c.created_at <= ?", f.To.UTC())
	}
	if len(f.Categories) > 0 {
		codes := make([]any, len(f.Categories))
		for i, c := range f.Categories {
			codes[i] = c
		}
		qb.And("c.category IN ("+db.In(len(codes))+")", codes...)
	}
	closed := "'" + strings.Join([]string{string(Closed), string(Rejected), string(Merged)}, "', '") + "'"
	switch f.Status {
	case "open":
		qb.And("c.status NOT IN (" + closed + ")")
	case "closed":
		qb.And("c.status IN (" + closed + ")")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q, args := qb.Tail("ORDER BY c.id DESC LIMIT ?", f.Limit).SQL()
	cs, err = db.Collect(ctx, s.db, q, args, scanCase)
	if err != nil {
		return nil, false, fmt.Errorf("cases: requests: %w", err)
	}
	for _, c := range cs {
		s.decorate(ctx, c)
	}
	if cs == nil {
		cs = []*Case{}
	}
	return cs, full, nil
}

// issueToken gives a new request a token clients can look it up by.
func (s *Service) issueToken(ctx context.Context, caseID int64) (string, error) {
	tok, h := newToken()
	if _, err := s.db.ExecContext(ctx, `/* cases.issueToken */ INSERT INTO case_open311_tokens (token, case_id) VALUES (?, ?)`, h, caseID); err != nil {
		return "", fmt.Errorf("cases: open311 token: %w", err)
	}
	return tok, nil
}

// NumberByToken returns the number of the case an Open311 token was given
// for. The token is the capability: it tells nothing but the number.
func (s *Service) NumberByToken(ctx context.Context, tok string) (string, error) {
	var id int64
	var at time.Time
	err := s.db.QueryRowContext(ctx, `/* cases.NumberByToken */ SELECT c.id, c.created_at FROM case_open311_tokens t JOIN cases c ON c.id = t.case_id WHERE t.token = ?`,
		hashToken(tok)).Scan(&id, &at)
	if err != nil {
		return "", errs.NotFoundf("kind.case")
	}
	return Number(at.UTC(), id), nil
}
