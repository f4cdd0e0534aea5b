package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/territory"
)

// Whistle is a call from a community or subdistrict to departments (吹哨):
// each named department must report (acknowledge) within the response
// time, arrive or act, and feed back.
type Whistle struct {
	ID             int64      `json:"id"`
	CaseID         int64      `json:"case_id"`
	CaseNumber     string     `json:"case_number,omitempty"`
	RegionCode     string     `json:"region_code"`
	Ground         string     `json:"ground" doc:"pressing_problem (群众突出问题), joint_enforcement (综合执法) or emergency (应急处置)"`
	Note           string     `json:"note,omitempty"`
	RespondMinutes int        `json:"respond_minutes" doc:"clock minutes each department has to report"`
	BlownBy        string     `json:"blown_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty" doc:"when the last department fed back, or the whistle was withdrawn"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty" doc:"the whistle was withdrawn: it no longer holds the case open"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	Parties        []Party    `json:"parties"`
	// Unstaffed names the called departments that have no active
	// account: nobody can report for them, so replace them or withdraw.
	Unstaffed []string `json:"unstaffed,omitempty" doc:"called departments with no active account: nobody can report for them; replace them or withdraw the whistle"`

	regionOf  map[int64]string // department id → its region, for the staffing check
	lastEvent int64
}

// Withdrawn reports whether the whistle was withdrawn.
func (w *Whistle) Withdrawn() bool { return w.WithdrawnAt != nil }

// Withdrawable reports whether the whole whistle may still be withdrawn:
// not once it is closed or a department it still calls has reported,
// since a withdrawn whistle leaves the departments' ranking and would
// take their record (reported, fed back, rated) with it.
func (w *Whistle) Withdrawable() bool {
	return w.WithdrawnAt == nil && w.ClosedAt == nil && !slices.ContainsFunc(w.Parties, func(p Party) bool { return p.Active() && p.ReportedAt != nil })
}

// Party is one department called by a whistle.
type Party struct {
	DeptID      int64      `json:"dept_id"`
	DeptName    string     `json:"dept_name"`
	ReportDueAt time.Time  `json:"report_due_at"`
	ReportedAt  *time.Time `json:"reported_at,omitempty"`
	ArrivedAt   *time.Time `json:"arrived_at,omitempty"`
	FeedbackAt  *time.Time `json:"feedback_at,omitempty"`
	Feedback    string     `json:"feedback,omitempty"`
	Rating      int        `json:"rating,omitempty" doc:"1–5, given by the community"`
	RatingNote  string     `json:"rating_note,omitempty"`
	RatedAt     *time.Time `json:"rated_at,omitempty"`
	// WithdrawnAt: the community took the call back (or called another
	// department instead), with the reason.
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty" doc:"the call to this department was withdrawn or replaced"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	NoAccount      bool       `json:"no_account,omitempty" doc:"the department has no active account: nobody can report for it"`
}

// Active reports whether the department still has to answer the call.
func (p Party) Active() bool { return p.WithdrawnAt == nil }

// ReportedOnTime reports whether the department reported in time.
func (p Party) ReportedOnTime() bool {
	return p.ReportedAt != nil && !p.ReportedAt.After(p.ReportDueAt)
}

// WhistleInput blows a whistle on a case.
type WhistleInput struct {
	Ground         string  `json:"ground"`
	DeptIDs        []int64 `json:"dept_ids" doc:"departments called; at least one"`
	RespondMinutes int     `json:"respond_minutes,omitempty" doc:"default 30 for emergencies, 120 otherwise"`
	Note           string  `json:"note"`
}

// PartyInput is a department's step on a whistle.
type PartyInput struct {
	Action string `json:"action" doc:"report (报到), arrive (到场) or feedback (反馈)"`
	Note   string `json:"note,omitempty" doc:"required for feedback"`
}

// PartyRating is the community's rating of a department's response.
type PartyRating struct {
	DeptID int64  `json:"dept_id"`
	Rating int    `json:"rating" doc:"1 (poor) – 5 (excellent)"`
	Note   string `json:"note,omitempty"`
}

// Blow calls departments to case id. Only an open case can be whistled on,
// by the community or subdistrict it lies in.
func (s *Service) Blow(ctx context.Context, caseID int64, in WhistleInput) (*Whistle, error) {
	a := authz.ActorFrom(ctx)
	var fe errs.Fields
	if !slices.Contains(Grounds, in.Ground) {
		fe.Add("ground", "rule.one_of", strings.Join(Grounds, ", "))
	}
	switch {
	case len(in.DeptIDs) == 0:
		fe = append(fe, errs.FieldError{Field: "dept_ids", Rule: "rule.choose_department", Label: "whistle.departments"})
	case len(in.DeptIDs) > 10:
		fe = append(fe, errs.FieldError{Field: "dept_ids", Rule: "rule.count", Param: "1–10", Label: "whistle.departments"})
	}
	if in.RespondMinutes == 0 {
		in.RespondMinutes = 120
		if in.Ground == "emergency" {
			in.RespondMinutes = 30
		}
	}
	if in.RespondMinutes < 5 || in.RespondMinutes > 7*24*60 {
		fe.Add("respond_minutes", "rule.range", "5–10080")
	}
	in.Note = text.BlockField(&fe, "note", in.Note)
	if n := utf8.RuneCountInString(in.Note); n < 2 || n > 1000 {
		fe.Add("note", "rule.length", "2–1000")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if a == nil || !a.Can(PermWhistle) || a.Scope.Department != 0 {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	var w *Whistle
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := findCase(ctx, tx, accessOf(authz.ActorFrom(ctx)), caseID)
		if err != nil {
			return err
		}
		if err := CanWhistle(a, c); err != nil {
			return err
		}
		now := tx.Now()
		w = &Whistle{CaseID: c.ID, CaseNumber: c.Number, RegionCode: c.RegionCode, Ground: in.Ground, Note: in.Note,
			RespondMinutes: in.RespondMinutes, BlownBy: a.DisplayName, CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `/* cases.whistle */ INSERT INTO case_whistles (case_id, region_code, ground, note, respond_minutes, blown_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, c.RegionCode, w.Ground, w.Note, w.RespondMinutes, w.BlownBy, now).Scan(&w.ID); err != nil {
			return fmt.Errorf("cases: whistle: %w", err)
		}
		seen := map[int64]bool{}
		for i, id := range in.DeptIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			d, err := s.deps.Territory.DepartmentServing(ctx, c.RegionCode, id)
			if err != nil {
				return errs.Field(fmt.Sprintf("dept_ids[%d]", i), "rule.department", strconv.FormatInt(id, 10))
			}
			p := Party{DeptID: d.ID, DeptName: d.Name, ReportDueAt: now.Add(time.Duration(in.RespondMinutes) * time.Minute)}
			if w.regionOf == nil {
				w.regionOf = map[int64]string{}
			}
			w.regionOf[d.ID] = d.RegionCode
			if _, err := tx.ExecContext(ctx, `/* cases.party */ INSERT INTO case_whistle_parties (whistle_id, dept_id, report_due_at) VALUES (?, ?, ?)`,
				w.ID, p.DeptID, p.ReportDueAt); err != nil {
				return fmt.Errorf("cases: whistle party: %w", err)
			}
			if err := notifyDept(ctx, tx, c, "whistle", d.ID); err != nil {
				return err
			}
			w.Parties = append(w.Parties, p)
		}
		var names []string
		for _, p := range w.Parties {
			names = append(names, p.DeptName)
		}
		detail, _ := json.Marshal(map[string]any{"ground": in.Ground, "departments": len(w.Parties), "respond_minutes": in.RespondMinutes,
			"department": strings.Join(names, "、")})
		ev := &Event{CaseID: c.ID, Action: "whistle", FromStatus: c.Status, ToStatus: c.Status, Note: in.Note, Detail: string(detail)}
		if err := insertEvent(ctx, tx, authz.ActorFrom(ctx), ev); err != nil {
			return err
		}
		w.lastEvent = ev.ID
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.whistle", ObjectType: "case_whistle", ObjectID: strconv.FormatInt(w.ID, 10),
			Region: c.RegionCode, After: w})
	})
	if err != nil {
		return nil, err
	}
	ownParties(a.Scope, []*Whistle{w})
	if err := s.markStaffed(ctx, []*Whistle{w}); err != nil {
		return nil, err
	}
	return w, nil
}

// markStaffed marks the active parties of ws whose department has no
// active account, and lists them on their whistle.
func (s *Service) markStaffed(ctx context.Context, ws []*Whistle) error {
	if s.deps.DepartmentStaffed == nil {
		return nil
	}
	var depts []territory.Department
	seen := map[int64]bool{}
	for _, w := range ws {
		for _, p := range w.Parties {
			if p.Active() && !seen[p.DeptID] {
				seen[p.DeptID] = true
				depts = append(depts, territory.Department{ID: p.DeptID, Name: p.DeptName, RegionCode: w.regionOf[p.DeptID]})
			}
		}
	}
	if len(depts) == 0 {
		return nil
	}
	staffed, err := s.deps.DepartmentStaffed(ctx, depts)
	if err != nil {
		return fmt.Errorf("cases: departments staffed: %w", err)
	}
	for _, w := range ws {
		w.Unstaffed = nil
		for i := range w.Parties {
			p := &w.Parties[i]
			p.NoAccount = p.Active() && !staffed[p.DeptID]
			if p.NoAccount && !w.Withdrawn() && p.FeedbackAt == nil {
				w.Unstaffed = append(w.Unstaffed, p.DeptName)
			}
		}
	}
	return nil
}

const partyCols = `p.whistle_id, p.dept_id, COALESCE(d.name, ''), p.report_due_at, p.reported_at, p.arrived_at, p.feedback_at, p.feedback,
	COALESCE(p.rating, 0), p.rating_note, p.rated_at, p.withdrawn_at, p.withdraw_reason, COALESCE(d.region_code, '')`

func scanParty(r db.Scanner) (int64, Party, string, error) {
	var p Party
	var wid int64
	var region string
	var rep, arr, fb, rated, withdrawn sql.NullTime
	err := r.Scan(&wid, &p.DeptID, &p.DeptName, &p.ReportDueAt, &rep, &arr, &fb, &p.Feedback, &p.Rating, &p.RatingNote, &rated,
		&withdrawn, &p.WithdrawReason, &region)
	p.ReportDueAt = p.ReportDueAt.UTC()
	p.ReportedAt, p.ArrivedAt, p.FeedbackAt, p.RatedAt, p.WithdrawnAt = tp(rep), tp(arr), tp(fb), tp(rated), tp(withdrawn)
	return wid, p, region, err
}

const whistleCols = `w.id, w.case_id, w.region_code, w.ground, w.note, w.respond_minutes, w.blown_by, w.created_at, w.closed_at, c.created_at,
	w.withdrawn_at, w.withdraw_reason`

const whistleFrom = ` FROM case_whistles w JOIN cases c ON c.id = w.case_id`

func scanWhistle(r db.Scanner) (*Whistle, error) {
	var w Whistle
	var closed, withdrawn sql.NullTime
	var caseAt time.Time
	err := r.Scan(&w.ID, &w.CaseID, &w.RegionCode, &w.Ground, &w.Note, &w.RespondMinutes, &w.BlownBy, &w.CreatedAt, &closed, &caseAt,
		&withdrawn, &w.WithdrawReason)
	w.CreatedAt, w.ClosedAt, w.WithdrawnAt = w.CreatedAt.UTC(), tp(closed), tp(withdrawn)
	w.CaseNumber = Number(caseAt.UTC(), w.CaseID)
	return &w, err
}

// withParties fills the parties of ws.
func withParties(ctx context.Context, q db.Querier, ws []*Whistle) error {
	if len(ws) == 0 {
		return nil
	}
	ids := make([]any, len(ws))
	by := map[int64]*Whistle{}
	for i, w := range ws {
		ids[i], by[w.ID] = w.ID, w
		w.Parties = []Party{}
	}
	rows, err := q.QueryContext(ctx, `/* cases.parties */ SELECT `+partyCols+` FROM case_whistle_parties p
		LEFT JOIN territory_departments d ON d.id = p.dept_id WHERE p.whistle_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY p.whistle_id, p.dept_id`, ids...)
	if err != nil {
		return fmt.Errorf("cases: parties: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		wid, p, region, err := scanParty(rows)
		if err != nil {
			return err
		}
		w := by[wid]
		w.Parties = append(w.Parties, p)
		if w.regionOf == nil {
			w.regionOf = map[int64]string{}
		}
		w.regionOf[p.DeptID] = region
	}
	return rows.Err()
}

// whistlesOf reads the whistles of a case the caller has read already.
// Department staff see their own department's call only, as in their
// whistle record (DeptWhistles): not the other departments' feedback and
// ratings; the community's side sees every call.
func (s *Service) whistlesOf(ctx context.Context, caseID int64) ([]*Whistle, error) {
	ws, err := db.Collect(ctx, s.db, `/* cases.whistles */ SELECT `+whistleCols+whistleFrom+` WHERE w.case_id = ? ORDER BY w.id`, []any{caseID}, scanWhistle)
	if err != nil {
		return nil, fmt.Errorf("cases: whistles: %w", err)
	}
	if err := withParties(ctx, s.db, ws); err != nil {
		return nil, err
	}
	ownParties(authz.ScopeFrom(ctx), ws)
	return ws, s.markStaffed(ctx, ws)
}

// ownParties leaves department staff (scope sc) only their own
// department's call on each whistle. A property company (a case handed
// to it that was whistled on) reads who was called and when they
// reported and arrived, never what a department fed back, its rating
// or why its call was withdrawn: those are between the community and
// the department.
func ownParties(sc authz.Scope, ws []*Whistle) {
	switch {
	case sc.Department != 0:
		for _, w := range ws {
			w.Parties = slices.DeleteFunc(w.Parties, func(p Party) bool { return p.DeptID != sc.Department })
		}
	case sc.PropertyOnly:
		for _, w := range ws {
			for i := range w.Parties {
				p := &w.Parties[i]
				p.Feedback, p.Rating, p.RatingNote, p.RatedAt, p.WithdrawReason = "", 0, "", nil, ""
			}
		}
	}
}

// WhistleFilter selects whistles.
type WhistleFilter struct {
	Open bool // only those still waiting for a department
	// ToReport keeps the open whistles with a call not yet reported (报到):
	// the actor's department's own, for department staff.
	ToReport bool
	AfterID  int64
	Limit    int
}

// DeptWhistles lists whistles in the actor's scope; department staff see
// those calling their department (their whistle record), a property
// company those on the cases handed to it.
func (s *Service) DeptWhistles(ctx context.Context, f WhistleFilter) ([]*Whistle, error) {
	sc := authz.ScopeFrom(ctx)
	// A department's whistles are found through its calls (the index on
	// the parties' department), not by walking its district's whistles.
	qb := whistleQuery(`/* cases.deptWhistles */ SELECT `+whistleCols+whistleFrom, sc, f)
	if f.AfterID > 0 {
		qb.And("w.id < ?", f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q, args := qb.Tail("ORDER BY w.id DESC LIMIT ?", f.Limit).SQL()
	ws, err := db.Collect(ctx, s.db, q, args, scanWhistle)
	if err != nil {
		return nil, fmt.Errorf("cases: department whistles: %w", err)
	}
	if err := withParties(ctx, s.db, ws); err != nil {
		return nil, err
	}
	ownParties(sc, ws)
	return ws, s.markStaffed(ctx, ws)
}

// whistleInScope reads a whistle and its case in the actor's scope.
func (s *Service) whistleInScope(ctx context.Context, q db.Querier, id int64) (*Whistle, *Case, error) {
	w, err := db.One(ctx, q, `/* cases.whistleByID */ SELECT `+whistleCols+whistleFrom+` WHERE w.id = ?`, []any{id}, scanWhistle,
		error(errs.NotFoundf("kind.whistle")))
	if err != nil {
		return nil, nil, err
	}
	c, err := findCase(ctx, q, accessOf(authz.ActorFrom(ctx)), w.CaseID)
	if err != nil {
		return nil, nil, errs.NotFoundf("kind.whistle")
	}
	return w, c, withParties(ctx, q, []*Whistle{w})
}

// PartyStep records a department's report, arrival or feedback. Only
// staff of that department may record it, in this order.
func (s *Service) PartyStep(ctx context.Context, whistleID int64, in PartyInput) (*Whistle, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || a.Scope.Department == 0 || !a.Can(PermHandle) {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	var fe errs.Fields
	if in.Note = text.BlockField(&fe, "note", in.Note); fe != nil {
		return nil, fe.Err()
	}
	if utf8.RuneCountInString(in.Note) > 1000 {
		return nil, errs.Field("note", "rule.max_length", "1000")
	}
	var out *Whistle
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		w, c, err := s.whistleInScope(ctx, tx, whistleID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(w.Parties, func(p Party) bool { return p.DeptID == a.Scope.Department })
		if i < 0 {
			return errs.NotFoundf("kind.whistle")
		}
		p := &w.Parties[i]
		if !p.Active() || w.Withdrawn() {
			return errs.E(errs.Conflict, "err.whistle_withdrawn")
		}
		now := tx.Now()
		var col string
		switch in.Action {
		case "report":
			if p.ReportedAt != nil {
				return errs.E(errs.Conflict, "err.party_step", in.Action)
			}
			p.ReportedAt, col = &now, "reported_at"
		case "arrive":
			if p.ReportedAt == nil || p.ArrivedAt != nil {
				return errs.E(errs.Conflict, "err.party_step", in.Action)
			}
			p.ArrivedAt, col = &now, "arrived_at"
		case "feedback":
			if p.ReportedAt == nil || p.FeedbackAt != nil {
				return errs.E(errs.Conflict, "err.party_step", in.Action)
			}
			if in.Note == "" {
				// The field is the 反馈 (feedback).
				return errs.Fields{{Field: "note", Rule: "rule.required", Label: "whistle.feedback"}}.Err()
			}
			p.FeedbackAt, p.Feedback, col = &now, in.Note, "feedback_at"
		default:
			return errs.Field("action", "rule.one_of", "report, arrive, feedback")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_whistle_parties SET `+col+` = ?, feedback = ? WHERE whistle_id = ? AND dept_id = ?`,
			now, p.Feedback, w.ID, p.DeptID); err != nil {
			return fmt.Errorf("cases: party step: %w", err)
		}
		if err := closeIfAnswered(ctx, tx, w, now); err != nil {
			return err
		}
		// The department's id tells its own entries from the others'
		// (ownEvents); pages show its name only.
		detail, _ := json.Marshal(map[string]any{"department": p.DeptName, "department_id": p.DeptID})
		ev := &Event{CaseID: c.ID, Action: "whistle_" + in.Action, FromStatus: c.Status, ToStatus: c.Status,
			Note: in.Note, Detail: string(detail)}
		if err := insertEvent(ctx, tx, authz.ActorFrom(ctx), ev); err != nil {
			return err
		}
		w.lastEvent = ev.ID
		out = w
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.whistle." + in.Action, ObjectType: "case_whistle",
			ObjectID: strconv.FormatInt(w.ID, 10), Region: w.RegionCode, After: p})
	})
	if err != nil {
		return nil, err
	}
	// Answered as the reads show it: the department's own call only.
	ownParties(a.Scope, []*Whistle{out})
	return out, nil
}

// RateParty records the community's rating of a department that fed back.
func (s *Service) RateParty(ctx context.Context, whistleID int64, in PartyRating) (*Whistle, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermWhistle) || a.Scope.Department != 0 {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	if in.Rating < 1 || in.Rating > 5 {
		return nil, errs.Field("rating", "rule.range", "1–5")
	}
	var fe errs.Fields
	if in.Note = text.BlockField(&fe, "note", in.Note); fe != nil {
		return nil, fe.Err()
	}
	var out *Whistle
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		w, _, err := s.whistleInScope(ctx, tx, whistleID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(w.Parties, func(p Party) bool { return p.DeptID == in.DeptID })
		if i < 0 {
			return errs.Field("dept_id", "rule.department", strconv.FormatInt(in.DeptID, 10))
		}
		p := &w.Parties[i]
		if !p.Active() || w.Withdrawn() {
			return errs.E(errs.Conflict, "err.whistle_withdrawn")
		}
		if p.FeedbackAt == nil || p.RatedAt != nil {
			return errs.E(errs.Conflict, "err.party_step", "rate")
		}
		now := tx.Now()
		p.Rating, p.RatingNote, p.RatedAt = in.Rating, in.Note, &now
		if _, err := tx.ExecContext(ctx, `UPDATE case_whistle_parties SET rating = ?, rating_note = ?, rated_at = ? WHERE whistle_id = ? AND dept_id = ?`,
			p.Rating, p.RatingNote, now, w.ID, p.DeptID); err != nil {
			return fmt.Errorf("cases: rate party: %w", err)
		}
		out = w
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.whistle.rate", ObjectType: "case_whistle",
			ObjectID: strconv.FormatInt(w.ID, 10), Region: w.RegionCode, After: p})
	})
	if err != nil {
		return nil, err
	}
	ownParties(a.Scope, []*Whistle{out})
	return out, nil
}

// openWhistleParties counts the departments of a case's whistles that
// have not fed back, the withdrawn calls left out.
func openWhistleParties(ctx context.Context, q db.Querier, caseID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `/* cases.openParties */ SELECT COUNT(*) FROM case_whistle_parties p JOIN case_whistles w ON w.id = p.whistle_id
		WHERE w.case_id = ? AND p.feedback_at IS NULL AND p.withdrawn_at IS NULL AND w.withdrawn_at IS NULL`, caseID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cases: open whistle parties: %w", err)
	}
	return n, nil
}

// closeIfAnswered closes whistle w at now once every department it still
// calls has fed back.
func closeIfAnswered(ctx context.Context, tx *db.Tx, w *Whistle, now time.Time) error {
	if w.ClosedAt != nil || slices.ContainsFunc(w.Parties, func(p Party) bool { return p.Active() && p.FeedbackAt == nil }) {
		return nil
	}
	w.ClosedAt = &now
	if _, err := tx.ExecContext(ctx, `/* cases.closeWhistle */ UPDATE case_whistles SET closed_at = ? WHERE id = ?`, now, w.ID); err != nil {
		return fmt.Errorf("cases: close whistle %d: %w", w.ID, err)
	}
	return nil
}

// WhistleChange takes a whistle back, or one department's call, or calls
// another department instead of one, always with the reason. A call
// taken back no longer holds the case open.
type WhistleChange struct {
	Action    string `json:"action" doc:"withdraw (the whole whistle, or only dept_id's call) or replace (dept_id's call by new_dept_id's)"`
	DeptID    int64  `json:"dept_id,omitempty" doc:"withdraw: only this department's call (0: the whole whistle); replace: the department replaced"`
	NewDeptID int64  `json:"new_dept_id,omitempty" doc:"replace: the department called instead"`
	Reason    string `json:"reason" doc:"why, 2–500 characters; internal, on the timeline and in the audit log"`
}

// ChangeWhistle withdraws whistle id or one of its calls, or replaces a
// called department, for the community's side that may whistle on the
// case; audited, and shown on the timeline as an internal entry.
func (s *Service) ChangeWhistle(ctx context.Context, id int64, in WhistleChange) (*Whistle, error) {
	a := authz.ActorFrom(ctx)
	var fe errs.Fields
	if in.Action != "withdraw" && in.Action != "replace" {
		fe.Add("action", "rule.one_of", "withdraw, replace")
	}
	in.Reason = text.BlockField(&fe, "reason", in.Reason)
	if n := utf8.RuneCountInString(in.Reason); n < 2 || n > 500 {
		fe.Add("reason", "rule.length", "2–500")
	}
	if in.Action == "replace" {
		if in.DeptID == 0 {
			fe.Add("dept_id", "rule.required", "")
		}
		if in.NewDeptID == 0 {
			fe.Add("new_dept_id", "rule.required", "")
		} else if in.NewDeptID == in.DeptID {
			fe.Add("new_dept_id", "rule.whistle_same_department", "")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if a == nil || !a.Can(PermWhistle) || a.Scope.Department != 0 {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	var out *Whistle
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		w, c, err := s.whistleInScope(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := CanWhistle(a, c); err != nil {
			return err
		}
		if w.Withdrawn() {
			return errs.E(errs.Conflict, "err.whistle_withdrawn")
		}
		before := *w
		before.Parties = slices.Clone(w.Parties)
		now := tx.Now()
		detail := map[string]any{}
		var old *Party
		if in.DeptID != 0 {
			i := slices.IndexFunc(w.Parties, func(p Party) bool { return p.DeptID == in.DeptID })
			if i < 0 {
				return errs.Field("dept_id", "rule.department", strconv.FormatInt(in.DeptID, 10))
			}
			old = &w.Parties[i]
			if !old.Active() {
				return errs.E(errs.Conflict, "err.whistle_withdrawn")
			}
			if old.FeedbackAt != nil {
				return errs.E(errs.Conflict, "err.party_step", in.Action)
			}
			old.WithdrawnAt, old.WithdrawReason = &now, in.Reason
			if _, err := tx.ExecContext(ctx, `/* cases.withdrawParty */ UPDATE case_whistle_parties SET withdrawn_at = ?, withdraw_reason = ?
				WHERE whistle_id = ? AND dept_id = ?`, now, in.Reason, w.ID, old.DeptID); err != nil {
				return fmt.Errorf("cases: withdraw whistle party: %w", err)
			}
			// The ids tell the departments concerned (ownEvents); pages
			// show the names only.
			detail["department"], detail["department_id"] = old.DeptName, old.DeptID
		} else {
			// The whole whistle: every call that is still open, as long
			// as no department has answered it.
			switch {
			case w.ClosedAt != nil:
				return errs.E(errs.Conflict, "err.whistle_closed")
			case !w.Withdrawable():
				return errs.E(errs.Conflict, "err.whistle_answered")
			}
			var names []string
			for _, p := range w.Parties {
				if p.Active() && p.FeedbackAt == nil {
					names = append(names, p.DeptName)
				}
			}
			w.WithdrawnAt, w.WithdrawReason = &now, in.Reason
			if w.ClosedAt == nil {
				w.ClosedAt = &now
			}
			if _, err := tx.ExecContext(ctx, `/* cases.withdrawWhistle */ UPDATE case_whistles SET withdrawn_at = ?, withdraw_reason = ?, closed_at = ? WHERE id = ?`,
				now, in.Reason, *w.ClosedAt, w.ID); err != nil {
				return fmt.Errorf("cases: withdraw whistle: %w", err)
			}
			detail["department"] = strings.Join(names, "、")
		}
		action := "whistle_withdraw"
		if in.Action == "replace" {
			action = "whistle_replace"
			d, err := s.deps.Territory.DepartmentServing(ctx, c.RegionCode, in.NewDeptID)
			if err != nil {
				return errs.Field("new_dept_id", "rule.department", strconv.FormatInt(in.NewDeptID, 10))
			}
			p := Party{DeptID: d.ID, DeptName: d.Name, ReportDueAt: now.Add(time.Duration(w.RespondMinutes) * time.Minute)}
			switch i := slices.IndexFunc(w.Parties, func(p Party) bool { return p.DeptID == d.ID }); {
			case i >= 0 && w.Parties[i].Active():
				return errs.Field("new_dept_id", "rule.whistle_party_exists", d.Name)
			case i >= 0:
				// Called before and withdrawn: called afresh.
				if _, err := tx.ExecContext(ctx, `/* cases.recallParty */ UPDATE case_whistle_parties SET report_due_at = ?, reported_at = NULL,
					arrived_at = NULL, feedback_at = NULL, feedback = '', rating = NULL, rating_note = '', rated_at = NULL, withdrawn_at = NULL,
					withdraw_reason = '' WHERE whistle_id = ? AND dept_id = ?`, p.ReportDueAt, w.ID, d.ID); err != nil {
					return fmt.Errorf("cases: call whistle party again: %w", err)
				}
				w.Parties[i] = p
			default:
				if _, err := tx.ExecContext(ctx, `/* cases.party */ INSERT INTO case_whistle_parties (whistle_id, dept_id, report_due_at) VALUES (?, ?, ?)`,
					w.ID, d.ID, p.ReportDueAt); err != nil {
					return fmt.Errorf("cases: whistle party: %w", err)
				}
				w.Parties = append(w.Parties, p)
			}
			if w.regionOf == nil {
				w.regionOf = map[int64]string{}
			}
			w.regionOf[d.ID] = d.RegionCode
			if err := notifyDept(ctx, tx, c, "whistle", d.ID); err != nil {
				return err
			}
			detail["replaced_by"], detail["replaced_by_id"] = d.Name, d.ID
		}
		if err := closeIfAnswered(ctx, tx, w, now); err != nil {
			return err
		}
		b, _ := json.Marshal(detail)
		ev := &Event{CaseID: c.ID, Action: action, FromStatus: c.Status, ToStatus: c.Status, Note: in.Reason, Detail: string(b)}
		if err := insertEvent(ctx, tx, a, ev); err != nil {
			return err
		}
		w.lastEvent = ev.ID
		out = w
		return audit.Record(ctx, tx, audit.Entry{Action: "cases." + strings.ReplaceAll(action, "_", "."), ObjectType: "case_whistle",
			ObjectID: strconv.FormatInt(w.ID, 10), Region: w.RegionCode, Before: before, After: w, Detail: map[string]any{"reason": in.Reason}})
	})
	if err != nil {
		return nil, err
	}
	ownParties(a.Scope, []*Whistle{out})
	return out, s.markStaffed(ctx, []*Whistle{out})
}

// whistleCase is the case of whistle id, when the actor may read it.
func (s *Service) whistleCase(ctx context.Context, id int64) (int64, bool) {
	_, c, err := s.whistleInScope(ctx, s.db, id)
	if err != nil {
		return 0, false
	}
	return c.ID, true
}
