package cases

import (
	"context"
	"fmt"
	"slices"
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
	full, none, err := s.requestScope(ctx, qb, a)
	if err != nil || none {
		return []*Case{}, full, err
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

// requestScope limits q to the cases a standard interface shows a: those
// in a's scope when a may view cases, else (the public) those of classes
// the catalogue does not mark private. none tells that nothing can match.
func (s *Service) requestScope(ctx context.Context, q *db.Query, a *authz.Actor) (full, none bool, err error) {
	if a != nil && a.Can(PermView) {
		scopeCases(q, a.Scope)
		return true, false, nil
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return false, true, err
	}
	var pub []any
	for _, cg := range cat.Subs("") {
		if cg.Public() {
			pub = append(pub, cg.Code)
		}
	}
	if len(pub) == 0 {
		return false, true, nil
	}
	q.And("c.category IN ("+db.In(len(pub))+")", pub...)
	return false, false, nil
}

// RequestUpdate is a public entry of a case's timeline as a standard
// interface tells it (Open311 servicerequestupdates): its status then,
// and for a reply to the reporter its text; never a staff note.
type RequestUpdate struct {
	ID        int64
	CaseID    int64
	Number    string
	Status    Status
	At        time.Time
	MediaURLs []string
	// Reply is the text of a reply written for the reporter, or what was
	// done about a problem fixed on the spot; "" for a change of status.
	Reply string
}

// RequestUpdates lists the moves of the cases a may see (the public:
// cases of public classes) made from from to to, oldest first, at most
// limit.
func (s *Service) RequestUpdates(ctx context.Context, a *authz.Actor, from, to time.Time, limit int) ([]RequestUpdate, error) {
	qb := db.NewQuery(`/* cases.RequestUpdates */ SELECT e.id, c.id, c.created_at, e.to_status, e.at, c.media_url, e.action, e.note
		FROM case_events e JOIN cases c ON c.id = e.case_id`)
	if _, none, err := s.requestScope(ctx, qb, a); err != nil || none {
		return []RequestUpdate{}, err
	}
	qb.And("e.at >= ?", from.UTC()).And("e.at <= ?", to.UTC()).And("e.is_public = TRUE")
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q, args := qb.Tail("ORDER BY e.at, e.id LIMIT ?", limit).SQL()
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (RequestUpdate, error) {
		var u RequestUpdate
		var created time.Time
		var media, action, note string
		if err := r.Scan(&u.ID, &u.CaseID, &created, &u.Status, &u.At, &media, &action, &note); err != nil {
			return u, err
		}
		if slices.Contains(publicNotes, action) {
			u.Reply = note
		}
		u.Number, u.At = Number(created.UTC(), u.CaseID), u.At.UTC()
		if media != "" {
			u.MediaURLs = strings.Split(media, "\n")
		}
		return u, nil
	})
	if err != nil {
		return nil, fmt.Errorf("cases: request updates: %w", err)
	}
	if out == nil {
		out = []RequestUpdate{}
	}
	return out, nil
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
