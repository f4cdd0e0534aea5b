package cases

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

// Notice is a push to the unit responsible for a case's step.
type Notice struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id"`
	CaseNumber string    `json:"case_number"`
	Kind       string    `json:"kind" doc:"due_soon, overdue, supervised or whistle"`
	RegionCode string    `json:"region_code"`
	DeptID     int64     `json:"dept_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// responsibleDept is the department that must act on c now, if any.
func responsibleDept(c *Case) int64 {
	if c.Status == Dispatched && c.UnitKind == UnitDepartment {
		return c.DeptID
	}
	return 0
}

func notify(ctx context.Context, tx *db.Tx, c *Case, kind string) error {
	return notifyDept(ctx, tx, c, kind, responsibleDept(c))
}

func notifyDept(ctx context.Context, tx *db.Tx, c *Case, kind string, dept int64) error {
	_, err := tx.ExecContext(ctx, `/* cases.notify */ INSERT INTO case_notices (case_id, kind, region_code, dept_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.ID, kind, c.RegionCode, nullID(dept), tx.Now())
	if err != nil {
		return fmt.Errorf("cases: notice: %w", err)
	}
	return nil
}

// Sweep pushes a notice for every step that has become about to be
// overdue or overdue since the last sweep, once a step. Deadlines are
// stored, so a restart loses nothing: the next sweep catches up.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		type due struct {
			c    Case
			kind string
		}
		rows, err := db.Collect(ctx, tx, `/* cases.sweep */ SELECT id, status, region_code, COALESCE(dept_id, 0), unit_kind, step, step_warn_at, step_due_at, warned_step, overdue_step
			FROM cases WHERE step_due_at IS NOT NULL AND status IN ('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified')
			AND ((step_warn_at <= ? AND warned_step < step) OR (step_due_at < ? AND overdue_step < step))`, []any{now, now},
			func(r db.Scanner) (due, error) {
				var d due
				var warn, dl sql.NullTime
				var warned, over int
				err := r.Scan(&d.c.ID, &d.c.Status, &d.c.RegionCode, &d.c.DeptID, &d.c.UnitKind, &d.c.Step, &warn, &dl, &warned, &over)
				d.kind = "due_soon"
				if dl.Valid && dl.Time.Before(now) {
					d.kind = "overdue"
				}
				return d, err
			})
		if err != nil {
			return fmt.Errorf("cases: sweep: %w", err)
		}
		for _, d := range rows {
			col := "warned_step"
			if d.kind == "overdue" {
				col = "warned_step = step, overdue_step"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET `+col+` = step WHERE id = ?`, d.c.ID); err != nil {
				return fmt.Errorf("cases: sweep mark: %w", err)
			}
			if err := notify(ctx, tx, &d.c, d.kind); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Run sweeps every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Sweep(authz.WithActor(ctx, &authz.Actor{Username: "system", Scope: authz.All})); err != nil {
			log.ErrorContext(ctx, "case deadline sweep failed", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "case deadline notices pushed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Notices lists the notices for the actor's units, newest first.
func (s *Service) Notices(ctx context.Context, limit int) ([]Notice, error) {
	q, args := db.NewQuery(`/* cases.notices */ SELECT n.id, n.case_id, c.created_at, n.kind, n.region_code, COALESCE(n.dept_id, 0), n.created_at
		FROM case_notices n JOIN cases c ON c.id = n.case_id`).
		Scope(authz.ScopeFrom(ctx), "n.region_code", "n.dept_id").Tail("ORDER BY n.id DESC LIMIT ?", limit).SQL()
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Notice, error) {
		var n Notice
		var caseAt time.Time
		err := r.Scan(&n.ID, &n.CaseID, &caseAt, &n.Kind, &n.RegionCode, &n.DeptID, &n.CreatedAt)
		n.CaseNumber, n.CreatedAt = Number(caseAt.UTC(), n.CaseID), n.CreatedAt.UTC()
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: notices: %w", err)
	}
	if out == nil {
		out = []Notice{}
	}
	return out, nil
}
