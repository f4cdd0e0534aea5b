package cases

import (
	"context"
	"fmt"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/module"
	"grassroots/internal/territory"
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
	Place      string    `json:"place" doc:"the grid and community, by name"`
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
	// Read outside the write transaction: on SQLite it would hold the
	// only writer while reading every open case.
	now := s.db.Now()
	type due struct {
		c    Case
		kind string
	}
	rows, err := db.Collect(ctx, s.db, `/* cases.sweep */ SELECT id, status, region_code, COALESCE(dept_id, 0), unit_kind, step, step_due_at
		FROM cases WHERE step_due_at IS NOT NULL AND status <> 'suspended'
		AND ((step_warn_at <= ? AND warned_step < step) OR (step_due_at < ? AND overdue_step < step))`, []any{now, now},
		func(r db.Scanner) (due, error) {
			var d due
			var dl time.Time
			err := r.Scan(&d.c.ID, &d.c.Status, &d.c.RegionCode, &d.c.DeptID, &d.c.UnitKind, &d.c.Step, &dl)
			d.kind = "due_soon"
			if dl.Before(now) {
				d.kind = "overdue"
			}
			return d, err
		})
	if err != nil {
		return 0, fmt.Errorf("cases: sweep: %w", err)
	}
	// Marked in batches: on SQLite one transaction over the whole backlog
	// (the first sweep after a bulk load marks a hundred thousand cases)
	// would hold the only writer for seconds and time out sign-ins.
	n := 0
	for len(rows) > 0 {
		batch := rows[:min(len(rows), sweepBatch)]
		rows = rows[len(batch):]
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, d := range batch {
				// Still at that step and not yet pushed: a case that moved
				// since the read is left to the next sweep.
				set, guard := "warned_step = step", "warned_step < step"
				if d.kind == "overdue" {
					set, guard = "warned_step = step, overdue_step = step", "overdue_step < step"
				}
				res, err := tx.ExecContext(ctx, `/* cases.sweepMark */ UPDATE cases SET `+set+` WHERE id = ? AND step = ? AND `+guard, d.c.ID, d.c.Step)
				if err != nil {
					return fmt.Errorf("cases: sweep mark: %w", err)
				}
				if k, _ := res.RowsAffected(); k == 0 {
					continue
				}
				if err := notify(ctx, tx, &d.c, d.kind); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, s.countDue(ctx)
}

// sweepBatch is how many cases one sweep transaction marks at most.
const sweepBatch = 500

// countDue counts the overdue and about-to-be-overdue cases of every
// community and of the divisions above, for the dashboards; it reads the
// deadline index alone.
func (s *Service) countDue(ctx context.Context) error {
	now := s.db.Now()
	type due struct{ overdue, soon int64 }
	counts := map[string]*due{}
	rows, err := s.db.QueryContext(ctx, `/* cases.countDue */ SELECT substr(region_code, 1, 12), SUM(CASE WHEN step_due_at < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN step_due_at >= ? AND step_warn_at <= ? THEN 1 ELSE 0 END) FROM cases
		WHERE step_due_at IS NOT NULL AND status <> 'suspended' GROUP BY 1`, now, now, now)
	if err != nil {
		return fmt.Errorf("cases: count due: %w", err)
	}
	for rows.Next() {
		var code string
		var d due
		if err := rows.Scan(&code, &d.overdue, &d.soon); err != nil {
			rows.Close()
			return err
		}
		for _, n := range []int{12, 9, 6, territory.CityCodeLen(code)} {
			if len(code) < n {
				continue
			}
			x := counts[code[:n]]
			if x == nil {
				x = &due{}
				counts[code[:n]] = x
			}
			x.overdue += d.overdue
			x.soon += d.soon
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var batch [][]any
	for code, d := range counts {
		batch = append(batch, []any{code, d.overdue, d.soon, now})
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		// Two sweeps at once (one instance each, were the cluster lock
		// lost) would insert the same codes after their deletes.
		if err := tx.Serialize(ctx, "cases.due_counts"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_due_counts`); err != nil {
			return fmt.Errorf("cases: count due: %w", err)
		}
		return tx.InsertRows(ctx, "case_due_counts", []string{"region_code", "overdue", "due_soon", "counted_at"}, batch, 200)
	})
}

// SweepJob names the deadline sweep, the module's job.
const SweepJob = "cases.sweep"

// sweepJob runs the sweep once a minute on one instance of the cluster
// (module.Job.Cluster). Two sweeps that did overlap would still push each
// notice once: a notice is pushed only by the sweep whose conditional
// update marks the step (warned_step, overdue_step) — the other's update
// of that row then matches nothing — and the due counts are rewritten one
// sweep after the other.
func (s *Service) sweepJob() module.Job {
	return module.Job{Name: SweepJob, Every: time.Minute, Cluster: true, Run: func(ctx context.Context) error {
		_, err := s.Sweep(ctx)
		return err
	}}
}

// Notices lists the notices for the actor's units, newest first; a
// property company's are those of the cases handed to it.
func (s *Service) Notices(ctx context.Context, limit int) ([]Notice, error) {
	sc := authz.ScopeFrom(ctx)
	q, args := propertyCases(db.NewQuery(`/* cases.notices */ SELECT n.id, n.case_id, c.created_at, n.kind, n.region_code, COALESCE(n.dept_id, 0), n.created_at
		FROM case_notices n JOIN cases c ON c.id = n.case_id`), sc).
		Scope(sc, "n.region_code", "n.dept_id").Tail("ORDER BY n.id DESC LIMIT ?", limit).SQL()
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
	for i := range out {
		out[i].Place = s.placeOf(ctx, out[i].RegionCode)
	}
	return out, nil
}
