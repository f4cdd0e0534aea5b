package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

const caseCols = `c.id, c.channel, COALESCE(c.external_id, ''), c.status, c.resume_status, c.category, c.catalogue_version, c.urgency,
	c.description, c.address, c.lon, c.lat, c.region_code, COALESCE(c.dept_id, 0), c.unit_kind, c.unit_name,
	COALESCE(c.reporter_id, 0), c.reporter_name, c.reporter_phone, c.anonymous, COALESCE(c.merged_into, 0),
	c.step, c.step_started_at, c.step_warn_at, c.step_due_at, c.respond_due_at, c.acknowledged_at, c.handle_due_at,
	c.handled_at, c.closed_at, c.extension_days, c.extension_asked, c.extension_reason, c.supervised, c.rework,
	c.resolved, c.satisfaction, c.rated_at, c.version, c.created_at, c.updated_at, c.rate_link, c.media_url, c.self_handled`

func scanCase(r db.Scanner) (*Case, error) { return scanCaseWith(r) }

// scanCaseWith scans the case columns and then extra ones.
func scanCaseWith(r db.Scanner, extra ...any) (*Case, error) {
	var c Case
	var lon, lat sql.NullFloat64
	var warn, due, respond, ack, hdue, handled, closed, rated sql.NullTime
	var resolved sql.NullBool
	var media string
	dest := append([]any{&c.ID, &c.Channel, &c.ExternalID, &c.Status, &c.ResumeStatus, &c.Category, &c.CatalogueVersion, &c.Urgency,
		&c.Description, &c.Address, &lon, &lat, &c.RegionCode, &c.DeptID, &c.UnitKind, &c.UnitName,
		&c.ReporterID, &c.ReporterName, &c.phoneEnc, &c.Anonymous, &c.MergedInto,
		&c.Step, &c.StepStartedAt, &warn, &due, &respond, &ack, &hdue,
		&handled, &closed, &c.ExtensionDays, &c.ExtensionAsked, &c.ExtensionReason, &c.Supervised, &c.Rework,
		&resolved, &c.Satisfaction, &rated, &c.Version, &c.CreatedAt, &c.UpdatedAt, &c.rateLink, &media, &c.SelfHandled}, extra...)
	err := r.Scan(dest...)
	if err != nil {
		return nil, err
	}
	if lon.Valid && lat.Valid {
		c.Lon, c.Lat = &lon.Float64, &lat.Float64
	}
	if media != "" {
		c.MediaURLs = strings.Split(media, "\n")
	}
	c.StepWarnAt, c.StepDueAt, c.RespondDueAt, c.AcknowledgedAt = tp(warn), tp(due), tp(respond), tp(ack)
	c.HandleDueAt, c.HandledAt, c.ClosedAt, c.RatedAt = tp(hdue), tp(handled), tp(closed), tp(rated)
	if resolved.Valid {
		c.Resolved = &resolved.Bool
	}
	c.StepStartedAt, c.CreatedAt, c.UpdatedAt = c.StepStartedAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Number = Number(c.CreatedAt, c.ID)
	return &c, nil
}

func tp(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// nt is a stored time: NULL or UTC, so that times compare as stored on
// both databases.
func nt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// Number is the case number: the date of receipt in China Standard Time
// and the id, e.g. 20261126-00001234.
func Number(created time.Time, id int64) string {
	return created.In(cst).Format("20060102") + "-" + fmt.Sprintf("%08d", id)
}

// ParseNumber returns the id in a case number (or a bare id).
func ParseNumber(s string) (int64, bool) {
	if _, after, ok := strings.Cut(s, "-"); ok {
		s = after
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

var cst = workday.CST

// scopeCases limits a case query to the actor: the region subtree and, for
// department staff, the cases dispatched to their department or on which
// it was whistled to.
func scopeCases(q *db.Query, sc authz.Scope) *db.Query {
	return propertyCases(q, sc).ScopeMatch(sc, "c.region_code",
		"(c.dept_id = ? OR EXISTS (SELECT 1 FROM case_whistles w JOIN case_whistle_parties p ON p.whistle_id = w.id WHERE w.case_id = c.id AND p.dept_id = ?))", 2)
}

// propertyCases limits a query of cases (aliased c) for a property
// company to the cases dispatched to it; other scopes pass unchanged.
// Whatever hangs off a case (its whistles, its notices) is read through
// it, so that a company reads only what belongs to its own cases.
func propertyCases(q *db.Query, sc authz.Scope) *db.Query {
	if sc.PropertyOnly && !sc.All {
		q.And("c.unit_kind = ? AND c.unit_name = ?", UnitProperty, sc.Property)
	}
	return q
}

// access is what an actor may read of cases: the scope, or, for those who
// may not view cases (residents, Party members), their own reports only.
type access struct {
	sc  authz.Scope
	own int64 // not zero: only cases reported by this account
}

// accessOf is the case access of actor a (nil: nothing).
func accessOf(a *authz.Actor) access {
	if a == nil {
		return access{}
	}
	if !a.Can(PermView) && !a.Scope.All {
		return access{sc: a.Scope, own: a.UserID}
	}
	return access{sc: a.Scope}
}

// limit narrows a case query to what ac may read.
func (ac access) limit(qb *db.Query) *db.Query {
	if ac.own != 0 {
		return qb.And("c.reporter_id = ?", ac.own)
	}
	return scopeCases(qb, ac.sc)
}

// findCase reads one case that ac may read.
func findCase(ctx context.Context, q db.Querier, ac access, id int64) (*Case, error) {
	// The row is found by its key and only then checked against the scope:
	// a LIMIT in the subquery keeps the planner from reading the scope's region range
	// through the (region, id) index instead, which PostgreSQL's generic
	// plan chose and which read a whole city's cases for one row.
	qb := ac.limit(db.NewQuery(`/* cases.find */ SELECT `+caseCols+` FROM (SELECT * FROM cases WHERE id = ? LIMIT 1) c`, id))
	s, args := qb.SQL()
	c, err := db.One(ctx, q, s, args, scanCase, error(errs.NotFoundf("kind.case")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, fmt.Errorf("cases: find %d: %w", id, err)
	}
	return c, err
}

func insertCase(ctx context.Context, tx *db.Tx, c *Case) error {
	row := tx.QueryRowContext(ctx, `/* cases.insert */ INSERT INTO cases (channel, sender, external_id, status, category, catalogue_version, urgency,
		description, address, lon, lat, region_code, sub_code, com_code, dept_id, unit_kind, unit_name, reporter_id, reporter_name, reporter_phone, anonymous,
		step, step_started_at, step_warn_at, step_due_at, version, created_at, updated_at, media_url, reporter_first, reporter_last,
		self_handled, handled_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Channel, nullStr(c.sender), nullStr(c.ExternalID), c.Status, c.Category, c.CatalogueVersion, c.Urgency,
		c.Description, c.Address, c.Lon, c.Lat, c.RegionCode, cut(c.RegionCode, 9), cut(c.RegionCode, 12), nullID(c.DeptID), c.UnitKind, c.UnitName,
		nullID(c.ReporterID), c.ReporterName, c.phoneEnc, c.Anonymous,
		c.StepStartedAt, nt(c.StepWarnAt), nt(c.StepDueAt), c.CreatedAt, c.UpdatedAt, strings.Join(c.MediaURLs, "\n"), c.reporterFirst, c.reporterLast,
		c.SelfHandled, nt(c.HandledAt), nt(c.ClosedAt))
	if err := row.Scan(&c.ID); err != nil {
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "err.case_external_duplicate")
		}
		return fmt.Errorf("cases: insert: %w", err)
	}
	c.Version, c.Step = 1, 1
	c.Number = Number(c.CreatedAt, c.ID)
	if err := AddMonth(ctx, tx, c.CreatedAt.In(cst).Format("2006-01"), c.RegionCode, c.Category[:2], 1); err != nil {
		return err
	}
	return AddCount(ctx, tx, c.RegionCode, c.Status, 1)
}

// updateCase writes the workflow fields of c if nobody changed the case
// since version c.Version was read.
func updateCase(ctx context.Context, tx *db.Tx, c *Case) error {
	res, err := tx.ExecContext(ctx, `/* cases.update */ UPDATE cases SET status = ?, resume_status = ?, category = ?, urgency = ?,
		dept_id = ?, unit_kind = ?, unit_name = ?, merged_into = ?, step = ?, step_started_at = ?, step_warn_at = ?, step_due_at = ?,
		respond_due_at = ?, acknowledged_at = ?, handle_due_at = ?, handled_at = ?, closed_at = ?, extension_days = ?,
		extension_asked = ?, extension_reason = ?, supervised = ?, rework = ?, resolved = ?, satisfaction = ?, rated_at = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		c.Status, c.ResumeStatus, c.Category, c.Urgency, nullID(c.DeptID), c.UnitKind, c.UnitName, nullID(c.MergedInto),
		c.Step, c.StepStartedAt, nt(c.StepWarnAt), nt(c.StepDueAt), nt(c.RespondDueAt), nt(c.AcknowledgedAt), nt(c.HandleDueAt),
		nt(c.HandledAt), nt(c.ClosedAt), c.ExtensionDays, c.ExtensionAsked, c.ExtensionReason, c.Supervised, c.Rework,
		nullBool(c.Resolved), c.Satisfaction, nt(c.RatedAt), tx.Now(), c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("cases: update %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "err.conflict")
	}
	c.Version++
	c.UpdatedAt = tx.Now()
	return nil
}

// recount moves c from status from to its status in the count tables.
func recount(ctx context.Context, tx *db.Tx, c *Case, from Status) error {
	if from == c.Status {
		return nil
	}
	if err := AddCount(ctx, tx, c.RegionCode, from, -1); err != nil {
		return err
	}
	return AddCount(ctx, tx, c.RegionCode, c.Status, 1)
}

// levels are the (parent, child) code pairs a grid or community counts
// under: grid in community, community in subdistrict, subdistrict in
// district, district in city.
func levels(region string) [][2]string {
	var out [][2]string
	cuts := []int{15, 12, 9, 6, territory.CityCodeLen(region)} // a municipality's city is 2 digits
	for i := 0; i+1 < len(cuts); i++ {
		if len(region) >= cuts[i] {
			out = append(out, [2]string{region[:cuts[i+1]], region[:cuts[i]]})
		}
	}
	if len(region) < 15 {
		// A case kept at a division itself (waiting to be located) is
		// that division's own row, so that its figure still equals its
		// parent's row for it.
		out = append(out, [2]string{region, region})
	}
	return out
}

// AddCount adds delta to the count of cases with status in region and in
// every division above it. Bulk loads call it with their totals.
func AddCount(ctx context.Context, tx *db.Tx, region string, st Status, delta int) error {
	ls := levels(region)
	if len(ls) == 0 {
		return nil
	}
	args := make([]any, 0, 4*len(ls))
	for _, l := range ls {
		args = append(args, l[0], l[1], st, delta)
	}
	// One statement for all levels: its rows have distinct keys.
	if _, err := tx.ExecContext(ctx, `/* cases.count */ INSERT INTO case_level_counts (parent_code, region_code, status, n) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(ls)), ", ")+`
		ON CONFLICT (parent_code, region_code, status) DO UPDATE SET n = case_level_counts.n + excluded.n`, args...); err != nil {
		return fmt.Errorf("cases: count: %w", err)
	}
	return nil
}

// AddMonth adds delta to the cases of class received in month (YYYY-MM)
// for the community of region and every division above it.
func AddMonth(ctx context.Context, tx *db.Tx, month, region, class string, delta int) error {
	var args []any
	for _, n := range []int{12, 9, 6, territory.CityCodeLen(region)} {
		if len(region) >= n {
			args = append(args, month, region[:n], class, delta)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `/* cases.month */ INSERT INTO case_month_counts (month, region_code, class, n) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(args)/4), ", ")+`
		ON CONFLICT (region_code, month, class) DO UPDATE SET n = case_month_counts.n + excluded.n`, args...); err != nil {
		return fmt.Errorf("cases: month count: %w", err)
	}
	return nil
}

// insertEvent writes a timeline entry by actor a (nil: the system). The
// report, every change of status and a reply to the reporter are public;
// everything else is internal unless ev says it is public.
func insertEvent(ctx context.Context, tx *db.Tx, a *authz.Actor, ev *Event) error {
	ev.Public = ev.Public || ev.FromStatus != ev.ToStatus || ev.Action == "report" || ev.Action == "reply"
	var actorID any
	ev.ActorName, ev.ActorRole = "system", "system"
	if a != nil {
		if a.UserID != 0 {
			actorID = a.UserID
		}
		ev.ActorName, ev.ActorRole = a.DisplayName, string(a.Role)
		if ev.ActorName == "" {
			ev.ActorName = a.Username
		}
	}
	if ev.ActorName == "" {
		ev.ActorName = "system"
	}
	ev.At = tx.Now()
	row := tx.QueryRowContext(ctx, `/* cases.event */ INSERT INTO case_events (case_id, action, from_status, to_status, actor_id, actor_name, actor_role, note, detail, at, is_public)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.CaseID, ev.Action, ev.FromStatus, ev.ToStatus, actorID, ev.ActorName, ev.ActorRole, ev.Note, ev.Detail, ev.At, ev.Public)
	if err := row.Scan(&ev.ID); err != nil {
		return fmt.Errorf("cases: event: %w", err)
	}
	if id, ok := actorID.(int64); ok {
		ev.actorID = id
	}
	return nil
}

func events(ctx context.Context, q db.Querier, caseID int64) ([]Event, error) {
	evs, err := db.Collect(ctx, q, `/* cases.events */ SELECT id, case_id, action, from_status, to_status, actor_name, actor_role, note, detail, at,
		is_public, COALESCE(actor_id, 0) FROM case_events WHERE case_id = ? ORDER BY id`, []any{caseID}, func(r db.Scanner) (Event, error) {
		var e Event
		err := r.Scan(&e.ID, &e.CaseID, &e.Action, &e.FromStatus, &e.ToStatus, &e.ActorName, &e.ActorRole, &e.Note, &e.Detail, &e.At,
			&e.Public, &e.actorID)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: events of %d: %w", caseID, err)
	}
	photos, err := db.Collect(ctx, q, `/* cases.photo_events */ SELECT id, COALESCE(event_id, 0) FROM case_photos WHERE case_id = ? ORDER BY id`,
		[]any{caseID}, func(r db.Scanner) ([2]int64, error) {
			var p [2]int64
			err := r.Scan(&p[0], &p[1])
			return p, err
		})
	if err != nil {
		return nil, fmt.Errorf("cases: photos of %d: %w", caseID, err)
	}
	for _, p := range photos {
		for i := range evs {
			if evs[i].ID == p[1] {
				evs[i].PhotoIDs = append(evs[i].PhotoIDs, p[0])
			}
		}
	}
	return evs, nil
}

// cut is the first n characters of a region code.
func cut(code string, n int) string { return code[:min(n, len(code))] }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// mask fills the masked phone of c.
func (c *Case) mask(keys *pii.Keyring) {
	if c.phoneEnc == "" {
		return
	}
	if p, err := keys.Decrypt(c.phoneEnc); err == nil {
		c.PhoneMasked = pii.MaskPhone(p)
	}
}
