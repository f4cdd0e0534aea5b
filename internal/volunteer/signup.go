package volunteer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// The statuses of a sign-up. Stored; do not rename.
const (
	Signed    = "signed"
	Waiting   = "waiting"
	Cancelled = "cancelled"
)

// Places are an activity's sign-ups as counted, and the actor's own.
type Places struct {
	Capacity int    `json:"capacity"`
	Signed   int    `json:"signed"`
	Waiting  int    `json:"waiting"`
	Mine     string `json:"mine,omitempty" doc:"the actor's sign-up: signed, waiting or cancelled; empty: none"`
}

// Places counts an activity's sign-ups for someone who sees it.
func (s *Service) Places(ctx context.Context, sc authz.Scope, actor *authz.Actor, id int64) (Places, error) {
	a, err := s.Activity(ctx, sc, id)
	if err != nil {
		return Places{}, err
	}
	return s.places(ctx, s.db, a, actor)
}

func (s *Service) places(ctx context.Context, q db.Querier, a Activity, actor *authz.Actor) (Places, error) {
	p := Places{Capacity: a.Capacity}
	err := q.QueryRowContext(ctx, `/* volunteer.places */ SELECT COALESCE(SUM(CASE WHEN status = 'signed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0) FROM volunteer_signups WHERE activity_id = ?`, a.ID).Scan(&p.Signed, &p.Waiting)
	if err != nil {
		return p, fmt.Errorf("volunteer: places of %d: %w", a.ID, err)
	}
	if actor != nil && actor.UserID != 0 {
		err := q.QueryRowContext(ctx, `SELECT status FROM volunteer_signups WHERE activity_id = ? AND user_id = ?`, a.ID, actor.UserID).Scan(&p.Mine)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return p, fmt.Errorf("volunteer: sign-up of %d: %w", a.ID, err)
		}
	}
	return p, nil
}

// SignUp puts the actor down for an activity of their community that has
// not ended: a place while there is one, else the waiting list.
func (s *Service) SignUp(ctx context.Context, actor *authz.Actor, id int64) (Places, error) {
	return s.changePlace(ctx, actor, id, func(tx *db.Tx, a Activity, p Places) (string, map[string]any, error) {
		if !tx.Now().Before(a.EndsAt) {
			return "", nil, errs.E(errs.Conflict, "err.vol_ended")
		}
		if p.Mine == Signed || p.Mine == Waiting {
			return "", nil, errs.E(errs.Conflict, "err.vol_signed_up")
		}
		status := Signed
		if p.Signed >= a.Capacity {
			status = Waiting
		}
		if _, err := tx.ExecContext(ctx, `/* volunteer.signup */ INSERT INTO volunteer_signups (activity_id, user_id, user_name, status, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (activity_id, user_id) DO UPDATE SET status = excluded.status, at = excluded.at, user_name = excluded.user_name`,
			id, actor.UserID, actor.DisplayName, status, tx.Now()); err != nil {
			return "", nil, fmt.Errorf("volunteer: sign up for %d: %w", id, err)
		}
		return "volunteer.signup", map[string]any{"title": a.Title, "status": status}, nil
	})
}

// Cancel takes the actor off an activity; a place freed goes to the
// first on the waiting list.
func (s *Service) Cancel(ctx context.Context, actor *authz.Actor, id int64) (Places, error) {
	return s.changePlace(ctx, actor, id, func(tx *db.Tx, a Activity, p Places) (string, map[string]any, error) {
		if p.Mine != Signed && p.Mine != Waiting {
			return "", nil, errs.E(errs.Conflict, "err.vol_not_signed_up")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE volunteer_signups SET status = 'cancelled', at = ? WHERE activity_id = ? AND user_id = ?`,
			tx.Now(), id, actor.UserID); err != nil {
			return "", nil, fmt.Errorf("volunteer: cancel %d: %w", id, err)
		}
		moved := ""
		if p.Mine == Signed {
			var next int64
			err := tx.QueryRowContext(ctx, `/* volunteer.nextWaiting */ SELECT user_id, user_name FROM volunteer_signups WHERE activity_id = ? AND status = 'waiting'
				ORDER BY at, user_id LIMIT 1`, id).Scan(&next, &moved)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return "", nil, fmt.Errorf("volunteer: waiting list of %d: %w", id, err)
			default:
				if _, err := tx.ExecContext(ctx, `UPDATE volunteer_signups SET status = 'signed' WHERE activity_id = ? AND user_id = ?`, id, next); err != nil {
					return "", nil, fmt.Errorf("volunteer: move up %d: %w", id, err)
				}
			}
		}
		return "volunteer.cancel", map[string]any{"title": a.Title, "moved_up": moved}, nil
	})
}

// changePlace runs change on the actor's place at an activity of their
// community, one change of that activity's places at a time, audits it
// and returns the places after it.
func (s *Service) changePlace(ctx context.Context, actor *authz.Actor, id int64,
	change func(*db.Tx, Activity, Places) (action string, detail map[string]any, err error)) (Places, error) {
	if actor == nil || actor.UserID == 0 {
		return Places{}, errs.E(errs.Forbidden, "err.vol_member_only")
	}
	a, err := s.Activity(ctx, actor.Scope, id)
	if err != nil {
		return Places{}, err
	}
	var out Places
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.Serialize(ctx, "volunteer.signup."+strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		p, err := s.places(ctx, tx, a, actor)
		if err != nil {
			return err
		}
		action, detail, err := change(tx, a, p)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "volunteer_activity", ObjectID: strconv.FormatInt(id, 10),
			Region: a.CommunityCode, Detail: detail}); err != nil {
			return err
		}
		out, err = s.places(ctx, tx, a, actor)
		return err
	})
	return out, err
}
