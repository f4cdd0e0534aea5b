package visits

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// All SQL of the module. Every read takes the scope as an argument.

const visitCols = `v.id, v.region_code, v.household_id, v.address, v.visited_on, v.kind, v.note_enc, v.met_enc,
	COALESCE(v.case_id, 0), v.case_number, v.worker_id, v.worker_name, v.created_at`

func scanVisit(r db.Scanner) (Visit, error) {
	var v Visit
	err := r.Scan(&v.ID, &v.RegionCode, &v.HouseholdID, &v.Address, &v.VisitedOn, &v.Kind, &v.noteEnc, &v.metEnc,
		&v.CaseID, &v.CaseNumber, &v.WorkerID, &v.WorkerName, &v.CreatedAt)
	v.HasNote = v.noteEnc != "" || v.metEnc != ""
	return v, err
}

func insertVisit(ctx context.Context, tx *db.Tx, v *Visit) error {
	err := tx.QueryRowContext(ctx, `/* visits.insertVisit */ INSERT INTO visits_visits (region_code, household_id, address, visited_on, kind,
		note_enc, met_enc, worker_id, worker_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.RegionCode, v.HouseholdID, v.Address, v.VisitedOn, v.Kind, v.noteEnc, v.metEnc, v.WorkerID, v.WorkerName, v.CreatedAt).Scan(&v.ID)
	if err != nil {
		return fmt.Errorf("visits: insert visit: %w", err)
	}
	return nil
}

func setVisitCase(ctx context.Context, tx *db.Tx, id int64, ref CaseRef) error {
	if _, err := tx.ExecContext(ctx, `/* visits.setVisitCase */ UPDATE visits_visits SET case_id = ?, case_number = ? WHERE id = ?`,
		ref.ID, ref.Number, id); err != nil {
		return fmt.Errorf("visits: link visit %d to case %d: %w", id, ref.ID, err)
	}
	return nil
}

func findVisit(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Visit, error) {
	qb := db.NewQuery(`/* visits.findVisit */ SELECT `+visitCols+` FROM visits_visits v`).And("v.id = ?", id).Scope(sc, "v.region_code", "")
	s, args := qb.SQL()
	v, err := db.One(ctx, q, s, args, scanVisit, error(errs.NotFoundf("kind.visit")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return v, fmt.Errorf("visits: find visit %d: %w", id, err)
	}
	return v, err
}

// visitQuery is a visit list's conditions: the subtrees it is narrowed
// to, a household, a date range [from, to), and the page.
type visitQuery struct {
	within    []string
	household int64
	from, to  string
	afterKey  string
	afterID   int64
	limit     int
}

func (vq visitQuery) where(qb *db.Query, sc authz.Scope) *db.Query {
	qb.Scope(sc, "v.region_code", "")
	if len(vq.within) > 0 {
		qb.Scope(authz.Scope{GridsOnly: true, Grids: vq.within}, "v.region_code", "")
	}
	if vq.household != 0 {
		qb.And("v.household_id = ?", vq.household)
	}
	if vq.from != "" {
		qb.And("v.visited_on >= ? AND v.visited_on < ?", vq.from, vq.to)
	}
	return qb
}

func findVisits(ctx context.Context, q db.Querier, sc authz.Scope, vq visitQuery) ([]Visit, error) {
	qb := vq.where(db.NewQuery(`/* visits.findVisits */ SELECT `+visitCols+` FROM visits_visits v`), sc)
	if vq.afterID > 0 {
		qb.And("v.visited_on < ? OR (v.visited_on = ? AND v.id < ?)", vq.afterKey, vq.afterKey, vq.afterID)
	}
	qb.Tail("ORDER BY v.visited_on DESC, v.id DESC LIMIT ?", vq.limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanVisit)
	if err != nil {
		return nil, fmt.Errorf("visits: find visits: %w", err)
	}
	return out, nil
}

func countVisits(ctx context.Context, q db.Querier, sc authz.Scope, vq visitQuery) (int, error) {
	s, args := vq.where(db.NewQuery(`/* visits.countVisits */ SELECT COUNT(*) FROM visits_visits v`), sc).SQL()
	var n int
	if err := q.QueryRowContext(ctx, s, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("visits: count visits: %w", err)
	}
	return n, nil
}

// lastVisits returns the date of each household's last visit in sc
// narrowed to within.
func lastVisits(ctx context.Context, q db.Querier, sc authz.Scope, within []string) (map[int64]string, error) {
	qb := visitQuery{within: within}.where(db.NewQuery(`/* visits.lastVisits */ SELECT v.household_id, MAX(v.visited_on) FROM visits_visits v`), sc)
	s, args := qb.Tail("GROUP BY v.household_id").SQL()
	type row struct {
		id   int64
		last string
	}
	rows, err := db.Collect(ctx, q, s, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.last)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("visits: last visits: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, x := range rows {
		out[x.id] = x.last
	}
	return out, nil
}

// visitFigures counts visits in [from, to) under root in sc by the first n
// characters of their region.
func visitFigures(ctx context.Context, q db.Querier, sc authz.Scope, root string, n int, from, to string) (map[string]Figures, error) {
	qb := db.NewQuery(`/* visits.visitFigures */ SELECT substr(v.region_code, 1, `+strconv.Itoa(n)+`) AS k, COUNT(*), COUNT(DISTINCT v.household_id)
		FROM visits_visits v`).Scope(sc, "v.region_code", "").Under("v.region_code", root).And("v.visited_on >= ? AND v.visited_on < ?", from, to)
	s, args := qb.Tail("GROUP BY k").SQL()
	type row struct {
		k    string
		n, h int
	}
	rows, err := db.Collect(ctx, q, s, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.n, &x.h)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("visits: visit figures: %w", err)
	}
	out := map[string]Figures{}
	for _, x := range rows {
		out[x.k] = Figures{Visits: x.n, Households: x.h}
	}
	return out, nil
}

// Intervals.

func findSettings(ctx context.Context, q db.Querier, sc authz.Scope) ([]setting, error) {
	qb := db.NewQuery(`/* visits.findSettings */ SELECT region_code, tag, days FROM visits_intervals`).ScopeWithAncestors(sc, "region_code", "")
	s, args := qb.Tail("ORDER BY region_code, tag").SQL()
	out, err := db.Collect(ctx, q, s, args, func(r db.Scanner) (setting, error) {
		var x setting
		err := r.Scan(&x.region, &x.tag, &x.days)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("visits: find settings: %w", err)
	}
	return out, nil
}

func ownSettings(ctx context.Context, q db.Querier, sc authz.Scope, region string) (map[string]int, error) {
	ss, err := findSettings(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, x := range ss {
		if x.region == region {
			out[x.tag] = x.days
		}
	}
	return out, nil
}

func putSetting(ctx context.Context, tx *db.Tx, x setting, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `/* visits.putSetting */ INSERT INTO visits_intervals (region_code, tag, days, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (region_code, tag) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at`, x.region, x.tag, x.days, now); err != nil {
		return fmt.Errorf("visits: set interval %s/%s: %w", x.region, x.tag, err)
	}
	return nil
}

func deleteSetting(ctx context.Context, tx *db.Tx, region, tag string) error {
	if _, err := tx.ExecContext(ctx, `/* visits.deleteSetting */ DELETE FROM visits_intervals WHERE region_code = ? AND tag = ?`, region, tag); err != nil {
		return fmt.Errorf("visits: clear interval %s/%s: %w", region, tag, err)
	}
	return nil
}

// Patrols.

const patrolCols = `p.id, p.region_code, p.worker_id, p.worker_name, p.patrolled_on, p.started_at, p.ended_at, p.minutes,
	p.route, p.problems, p.created_at`

func scanPatrol(r db.Scanner) (Patrol, error) {
	var p Patrol
	err := r.Scan(&p.ID, &p.RegionCode, &p.WorkerID, &p.WorkerName, &p.PatrolledOn, &p.StartedAt, &p.EndedAt, &p.Minutes,
		&p.Route, &p.Problems, &p.CreatedAt)
	p.Open = p.StartedAt != nil && p.EndedAt == nil
	return p, err
}

func insertPatrol(ctx context.Context, tx *db.Tx, p *Patrol) error {
	err := tx.QueryRowContext(ctx, `/* visits.insertPatrol */ INSERT INTO visits_patrols (region_code, worker_id, worker_name, patrolled_on,
		started_at, ended_at, minutes, route, problems, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.RegionCode, p.WorkerID, p.WorkerName, p.PatrolledOn, p.StartedAt, p.EndedAt, p.Minutes, p.Route, p.Problems, p.CreatedAt, p.CreatedAt).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("visits: insert patrol: %w", err)
	}
	return nil
}

// endPatrol ends an open patrol; false when it had ended meanwhile.
func endPatrol(ctx context.Context, tx *db.Tx, p *Patrol) (bool, error) {
	res, err := tx.ExecContext(ctx, `/* visits.endPatrol */ UPDATE visits_patrols SET ended_at = ?, minutes = ?, route = ?, problems = ?, updated_at = ?
		WHERE id = ? AND started_at IS NOT NULL AND ended_at IS NULL`, p.EndedAt, p.Minutes, p.Route, p.Problems, tx.Now(), p.ID)
	if err != nil {
		return false, fmt.Errorf("visits: end patrol %d: %w", p.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("visits: end patrol %d: %w", p.ID, err)
	}
	return n == 1, nil
}

func insertPatrolCases(ctx context.Context, tx *db.Tx, id int64, refs []CaseRef) error {
	for _, r := range refs {
		if _, err := tx.ExecContext(ctx, `/* visits.insertPatrolCases */ INSERT INTO visits_patrol_cases (patrol_id, case_id, case_number) VALUES (?, ?, ?)
			ON CONFLICT (patrol_id, case_id) DO NOTHING`, id, r.ID, r.Number); err != nil {
			return fmt.Errorf("visits: link patrol %d to case %d: %w", id, r.ID, err)
		}
	}
	return nil
}

func findPatrol(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Patrol, error) {
	qb := db.NewQuery(`/* visits.findPatrol */ SELECT `+patrolCols+` FROM visits_patrols p`).And("p.id = ?", id).Scope(sc, "p.region_code", "")
	s, args := qb.SQL()
	p, err := db.One(ctx, q, s, args, scanPatrol, error(errs.NotFoundf("kind.patrol")))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return p, err
		}
		return p, fmt.Errorf("visits: find patrol %d: %w", id, err)
	}
	ps := []Patrol{p}
	if err := patrolCases(ctx, q, ps); err != nil {
		return p, err
	}
	return ps[0], nil
}

// openPatrolOf is worker's patrol under way in sc.
func openPatrolOf(ctx context.Context, q db.Querier, sc authz.Scope, worker int64) (Patrol, error) {
	qb := db.NewQuery(`/* visits.openPatrolOf */ SELECT `+patrolCols+` FROM visits_patrols p`).
		And("p.worker_id = ?", worker).And("p.started_at IS NOT NULL AND p.ended_at IS NULL").Scope(sc, "p.region_code", "")
	s, args := qb.Tail("ORDER BY p.id DESC LIMIT 1").SQL()
	p, err := db.One(ctx, q, s, args, scanPatrol, error(errs.NotFoundf("kind.patrol")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return p, fmt.Errorf("visits: open patrol of %d: %w", worker, err)
	}
	p.Cases = []CaseRef{}
	return p, err
}

// patrolQuery is a patrol list's conditions.
type patrolQuery struct {
	within   []string
	from, to string
	open     bool
	afterKey string
	afterID  int64
	limit    int
}

func (pq patrolQuery) where(qb *db.Query, sc authz.Scope) *db.Query {
	qb.Scope(sc, "p.region_code", "")
	if len(pq.within) > 0 {
		qb.Scope(authz.Scope{GridsOnly: true, Grids: pq.within}, "p.region_code", "")
	}
	if pq.from != "" {
		qb.And("p.patrolled_on >= ? AND p.patrolled_on < ?", pq.from, pq.to)
	}
	if pq.open {
		qb.And("p.started_at IS NOT NULL AND p.ended_at IS NULL")
	}
	return qb
}

func findPatrols(ctx context.Context, q db.Querier, sc authz.Scope, pq patrolQuery) ([]Patrol, error) {
	qb := pq.where(db.NewQuery(`/* visits.findPatrols */ SELECT `+patrolCols+` FROM visits_patrols p`), sc)
	if pq.afterID > 0 {
		qb.And("p.patrolled_on < ? OR (p.patrolled_on = ? AND p.id < ?)", pq.afterKey, pq.afterKey, pq.afterID)
	}
	qb.Tail("ORDER BY p.patrolled_on DESC, p.id DESC LIMIT ?", pq.limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanPatrol)
	if err != nil {
		return nil, fmt.Errorf("visits: find patrols: %w", err)
	}
	return out, nil
}

func countPatrols(ctx context.Context, q db.Querier, sc authz.Scope, pq patrolQuery) (int, error) {
	s, args := pq.where(db.NewQuery(`/* visits.countPatrols */ SELECT COUNT(*) FROM visits_patrols p`), sc).SQL()
	var n int
	if err := q.QueryRowContext(ctx, s, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("visits: count patrols: %w", err)
	}
	return n, nil
}

// patrolCases fills the case links of ps, which were read in scope.
func patrolCases(ctx context.Context, q db.Querier, ps []Patrol) error {
	if len(ps) == 0 {
		return nil
	}
	idx := map[int64]int{}
	args := make([]any, len(ps))
	for i := range ps {
		ps[i].Cases = []CaseRef{}
		idx[ps[i].ID] = i
		args[i] = ps[i].ID
	}
	type row struct {
		patrol int64
		ref    CaseRef
	}
	rows, err := db.Collect(ctx, q, `/* visits.patrolCases */ SELECT patrol_id, case_id, case_number FROM visits_patrol_cases
		WHERE patrol_id IN (`+db.In(len(args))+`) ORDER BY patrol_id, case_id`, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.patrol, &x.ref.ID, &x.ref.Number)
		return x, err
	})
	if err != nil {
		return fmt.Errorf("visits: patrol cases: %w", err)
	}
	for _, x := range rows {
		i := idx[x.patrol]
		ps[i].Cases = append(ps[i].Cases, x.ref)
	}
	return nil
}

// patrolFigures counts patrols in [from, to) under root in sc by the first
// n characters of their grid.
func patrolFigures(ctx context.Context, q db.Querier, sc authz.Scope, root string, n int, from, to string) (map[string]Figures, error) {
	qb := db.NewQuery(`/* visits.patrolFigures */ SELECT substr(p.region_code, 1, `+strconv.Itoa(n)+`) AS k, COUNT(*), COALESCE(SUM(p.minutes), 0)
		FROM visits_patrols p`).Scope(sc, "p.region_code", "").Under("p.region_code", root).And("p.patrolled_on >= ? AND p.patrolled_on < ?", from, to)
	s, args := qb.Tail("GROUP BY k").SQL()
	type row struct {
		k    string
		n, m int
	}
	rows, err := db.Collect(ctx, q, s, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.n, &x.m)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("visits: patrol figures: %w", err)
	}
	out := map[string]Figures{}
	for _, x := range rows {
		out[x.k] = Figures{Patrols: x.n, PatrolMinutes: x.m}
	}
	return out, nil
}
