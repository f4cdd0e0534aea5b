package territory

import (
	"context"
	"fmt"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

const regionCols = `code, name, level, COALESCE(parent_code, ''), kind, updated_at`

func scanRegion(s db.Scanner) (Region, error) {
	var r Region
	var lvl string
	err := s.Scan(&r.Code, &r.Name, &lvl, &r.ParentCode, &r.Kind, &r.UpdatedAt)
	r.Level = Level(lvl)
	return r, err
}

// findRegion returns one region in scope.
func findRegion(ctx context.Context, q db.Querier, sc authz.Scope, code string) (Region, error) {
	qb := db.NewQuery(`/* territory.findRegion */ SELECT `+regionCols+` FROM territory_regions`).
		And("code = ?", code).Scope(sc, "code", "")
	s, args := qb.SQL()
	r, err := db.One(ctx, q, s, args, scanRegion, error(errs.NotFoundf("kind.region")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return r, fmt.Errorf("territory: find region %s: %w", code, err)
	}
	return r, err
}

// findRegions lists regions in scope, ordered by code.
func findRegions(ctx context.Context, q db.Querier, sc authz.Scope, f RegionFilter) ([]Region, error) {
	qb := db.NewQuery(`/* territory.findRegions */ SELECT `+regionCols+` FROM territory_regions`).Scope(sc, "code", "")
	if f.Parent != "" {
		qb.And("parent_code = ?", f.Parent)
	}
	if f.Level != "" {
		qb.And("level = ?", string(f.Level))
	}
	if f.Name != "" {
		qb.And("name LIKE ?", "%"+f.Name+"%")
	}
	if f.After != "" {
		qb.And("code > ?", f.After)
	}
	if f.Limit <= 0 {
		f.Limit = 10000
	}
	qb.Tail("ORDER BY code LIMIT ?", f.Limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanRegion)
	if err != nil {
		return nil, fmt.Errorf("territory: find regions: %w", err)
	}
	return out, nil
}

// subtreeCounts counts the divisions of each level below code, grouped by
// the child prefix of length childLen (0: one group for the whole subtree).
func subtreeCounts(ctx context.Context, q db.Querier, code string, childLen int) (map[string]Counts, error) {
	lo, hi := authz.PrefixRange(code)
	key, group := "''", "level"
	if childLen > 0 {
		key = fmt.Sprintf("substr(code, 1, %d)", childLen)
		group = key + ", level"
	}
	qb := db.NewQuery(`/* territory.subtreeCounts */ SELECT `+key+`, level, COUNT(*) FROM territory_regions`).
		And("code > ?", lo)
	if childLen > 0 {
		qb.And(fmt.Sprintf("length(code) > %d", childLen)) // the children themselves are not counted
	}
	if hi != "" {
		qb.And("code < ?", hi)
	}
	qb.Tail("GROUP BY " + group)
	s, args := qb.SQL()
	rows, err := q.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, fmt.Errorf("territory: counts under %s: %w", code, err)
	}
	defer rows.Close()
	out := map[string]Counts{}
	for rows.Next() {
		var k, lvl string
		var n int
		if err := rows.Scan(&k, &lvl, &n); err != nil {
			return nil, err
		}
		if out[k] == nil {
			out[k] = Counts{}
		}
		out[k][Level(lvl)] = n
	}
	return out, rows.Err()
}

// upsertRegion inserts or updates one region and reports whether it changed.
func upsertRegion(ctx context.Context, tx *db.Tx, r Region) (bool, error) {
	var parent any
	if r.ParentCode != "" {
		parent = r.ParentCode
	}
	res, err := tx.ExecContext(ctx, `/* territory.upsertRegion */
		INSERT INTO territory_regions (code, name, level, parent_code, kind, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, kind = excluded.kind, updated_at = excluded.updated_at
		WHERE territory_regions.name <> excluded.name OR territory_regions.level <> excluded.level
			OR COALESCE(territory_regions.parent_code, '') <> COALESCE(excluded.parent_code, '')
			OR territory_regions.kind <> excluded.kind`,
		r.Code, r.Name, string(r.Level), parent, r.Kind, tx.Now())
	if err != nil {
		return false, fmt.Errorf("territory: upsert region %s: %w", r.Code, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// existingCodes returns which of codes exist.
func existingCodes(ctx context.Context, q db.Querier) (map[string]Level, error) {
	rows, err := q.QueryContext(ctx, `/* territory.existingCodes */ SELECT code, level FROM territory_regions`)
	if err != nil {
		return nil, fmt.Errorf("territory: codes: %w", err)
	}
	defer rows.Close()
	out := map[string]Level{}
	for rows.Next() {
		var c, l string
		if err := rows.Scan(&c, &l); err != nil {
			return nil, err
		}
		out[c] = Level(l)
	}
	return out, rows.Err()
}

const deptCols = `id, name, region_code, created_at`

func scanDept(s db.Scanner) (Department, error) {
	var d Department
	err := s.Scan(&d.ID, &d.Name, &d.RegionCode, &d.CreatedAt)
	return d, err
}

func findDepartment(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Department, error) {
	qb := db.NewQuery(`/* territory.findDepartment */ SELECT `+deptCols+` FROM territory_departments`).
		And("id = ?", id).ScopeWithAncestors(sc, "region_code", "id")
	s, args := qb.SQL()
	d, err := db.One(ctx, q, s, args, scanDept, error(errs.NotFoundf("kind.department")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return d, fmt.Errorf("territory: find department %d: %w", id, err)
	}
	return d, err
}

func findDepartments(ctx context.Context, q db.Querier, sc authz.Scope, afterID int64, limit int) ([]Department, error) {
	qb := db.NewQuery(`/* territory.findDepartments */ SELECT `+deptCols+` FROM territory_departments`).
		ScopeWithAncestors(sc, "region_code", "id")
	if afterID > 0 {
		qb.And("id > ?", afterID)
	}
	qb.Tail("ORDER BY id LIMIT ?", limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanDept)
	if err != nil {
		return nil, fmt.Errorf("territory: find departments: %w", err)
	}
	return out, nil
}

func insertDepartment(ctx context.Context, tx *db.Tx, d *Department) error {
	d.CreatedAt = tx.Now()
	err := tx.QueryRowContext(ctx, `/* territory.insertDepartment */
		INSERT INTO territory_departments (name, region_code, created_at) VALUES (?, ?, ?) RETURNING id`,
		d.Name, d.RegionCode, d.CreatedAt).Scan(&d.ID)
	if db.IsUniqueViolation(err) {
		return errs.Field("name", "rule.unique", "")
	}
	if err != nil {
		return fmt.Errorf("territory: insert department: %w", err)
	}
	return nil
}
