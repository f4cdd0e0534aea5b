package admission

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// Request is a department's request to communities and the gate's
// decision on it.
type Request struct {
	ID           int64   `json:"id"`
	DeptID       int64   `json:"dept_id"`
	DeptName     string  `json:"dept_name"`
	TargetCode   string  `json:"target_code" doc:"the community, subdistrict, district or city asked"`
	TargetName   string  `json:"target_name"`
	ApproverCode string  `json:"approver_code" doc:"the district (or the city) whose approver decides off-list requests"`
	ApproverName string  `json:"approver_name"`
	Title        string  `json:"title"`
	Detail       string  `json:"detail,omitempty"`
	Kind         string  `json:"kind" doc:"task, form, signboard, survey, inspection, assessment or certificate"`
	ItemID       int64   `json:"item_id,omitempty" doc:"the list item cited; empty: off the list"`
	ItemCode     string  `json:"item_code,omitempty"`
	ItemTitle    string  `json:"item_title,omitempty"`
	ListID       int64   `json:"list_id,omitempty" doc:"the list version the request was made under"`
	ListVersion  int     `json:"list_version,omitempty"`
	StartsOn     string  `json:"starts_on" doc:"YYYY-MM-DD"`
	DueOn        string  `json:"due_on" doc:"YYYY-MM-DD"`
	Hours        float64 `json:"hours" doc:"estimated hours for each community"`
	Emergency    string  `json:"emergency,omitempty" doc:"life_property, public_safety or public_health: passed at once, reviewed afterwards"`
	Reason       string  `json:"emergency_reason,omitempty"`
	// Status: admitted, pending, approved or refused.
	Status       string     `json:"status" doc:"admitted (listed item or emergency), pending (for the approver), approved, refused"`
	Rule         string     `json:"rule" doc:"why: gate.listed, gate.emergency, gate.off_list"`
	DecideBy     *time.Time `json:"decide_by,omitempty" doc:"for a pending request: the approver's deadline (working days)"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
	ReviewedAt   *time.Time `json:"reviewed_at,omitempty" doc:"an emergency's review by the approver"`
	ReviewUpheld *bool      `json:"review_upheld,omitempty"`
	Communities  int        `json:"communities" doc:"communities it reached"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Lapsed: pending past its deadline, never decided; it reaches nobody.
func (r Request) Lapsed(now time.Time) bool {
	return r.Status == Pending && r.DecideBy != nil && now.After(*r.DecideBy)
}

// Upheld: the approver's review found the emergency was one.
func (r Request) Upheld() bool { return r.ReviewUpheld != nil && *r.ReviewUpheld }

// Reaches: the request's tasks are in the communities' inboxes.
func (r Request) Reaches() bool { return r.Status == Admitted || r.Status == Approved }

const requestCols = `r.id, r.dept_id, r.dept_name, r.target_code, r.approver_code, r.title, r.detail, r.kind, COALESCE(r.item_id, 0),
	COALESCE(i.code, ''), COALESCE(i.title, ''), COALESCE(r.list_id, 0), COALESCE(l.version, 0), r.starts_on, r.due_on, r.hours, r.emergency,
	r.emergency_reason, r.status, r.rule, r.decide_by, r.decided_at, r.decided_by, r.decision_note, r.reviewed_at, r.review_upheld,
	r.communities, r.created_by, r.created_at`

const requestFrom = ` FROM admission_requests r LEFT JOIN admission_items i ON i.id = r.item_id LEFT JOIN admission_lists l ON l.id = r.list_id`

func scanRequest(row db.Scanner) (Request, error) {
	var r Request
	var decideBy, decidedAt, reviewedAt *time.Time
	err := row.Scan(&r.ID, &r.DeptID, &r.DeptName, &r.TargetCode, &r.ApproverCode, &r.Title, &r.Detail, &r.Kind, &r.ItemID,
		&r.ItemCode, &r.ItemTitle, &r.ListID, &r.ListVersion, &r.StartsOn, &r.DueOn, &r.Hours, &r.Emergency,
		&r.Reason, &r.Status, &r.Rule, &decideBy, &decidedAt, &r.DecidedBy, &r.DecisionNote, &reviewedAt, &r.ReviewUpheld,
		&r.Communities, &r.CreatedBy, &r.CreatedAt)
	r.DecideBy, r.DecidedAt, r.ReviewedAt = utc(decideBy), utc(decidedAt), utc(reviewedAt)
	return r, err
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// RequestInput is what a department asks of communities.
type RequestInput struct {
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	// ItemID cites a list item; without it the request is off the list.
	ItemID int64 `json:"item_id,omitempty" doc:"the list item cited; omit for an off-list request"`
	// Kind of work; taken from the item when one is cited.
	Kind     string  `json:"kind,omitempty" doc:"task, form, signboard, survey, inspection or assessment; the item's when one is cited"`
	Target   string  `json:"target" doc:"a community, subdistrict or district in the department's area, or the city"`
	StartsOn string  `json:"starts_on" doc:"YYYY-MM-DD"`
	DueOn    string  `json:"due_on" doc:"YYYY-MM-DD"`
	Hours    float64 `json:"hours,omitempty" doc:"estimated hours for each community; the item's when one is cited and none given"`
	// Emergency passes the gate at once with its reason.
	Emergency string `json:"emergency,omitempty" doc:"life_property, public_safety or public_health"`
	Reason    string `json:"emergency_reason,omitempty"`
	// Files go with the request (checked by CheckUpload); over the API
	// they are sent afterwards, one by one.
	Files []Upload `json:"-"`
}

// check validates the input's fields (not the gate's rules).
func (in *RequestInput) check(today string) error {
	var fe errs.Fields
	in.Title = text.LineField(&fe, "title", in.Title)
	in.Detail = text.BlockField(&fe, "detail", in.Detail)
	in.Reason = text.BlockField(&fe, "emergency_reason", in.Reason)
	in.Target = strings.TrimSpace(in.Target)
	if in.Title == "" {
		fe.Add("title", "rule.required", "")
	} else if utf8.RuneCountInString(in.Title) > MaxTitle {
		fe.Add("title", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	for _, f := range []struct{ name, v string }{{"detail", in.Detail}, {"emergency_reason", in.Reason}} {
		if utf8.RuneCountInString(f.v) > MaxText {
			fe.Add(f.name, "rule.max_length", strconv.Itoa(MaxText))
		}
	}
	switch {
	case in.ItemID == 0 && in.Kind == "":
		fe.Add("kind", "rule.adm_kind_required", "")
	case in.Kind != "" && !oneOf(in.Kind, Kinds[:len(Kinds)-1]):
		fe.Add("kind", "rule.one_of", strings.Join(Kinds[:len(Kinds)-1], ", "))
	}
	if in.Target == "" {
		fe.Add("target", "rule.required", "")
	} else if len(in.Target) > 12 || !digits(in.Target) {
		fe.Add("target", "rule.adm_target", "")
	}
	start, err1 := time.Parse(time.DateOnly, in.StartsOn)
	due, err2 := time.Parse(time.DateOnly, in.DueOn)
	switch {
	case err1 != nil:
		fe.Add("starts_on", "rule.date", "YYYY-MM-DD")
	case in.StartsOn < today:
		fe.Add("starts_on", "rule.adm_not_past", today)
	}
	switch {
	case err2 != nil:
		fe.Add("due_on", "rule.date", "YYYY-MM-DD")
	case err1 == nil && due.Before(start):
		fe.Add("due_on", "rule.adm_due_before_start", in.StartsOn)
	}
	if math.IsNaN(in.Hours) || in.Hours < 0 || in.Hours > MaxHours {
		fe.Add("hours", "rule.range", "0–"+strconv.Itoa(MaxHours))
		fe[len(fe)-1].Label = "adm.hours_each"
	}
	// A request is for the coming year, and lasts a year at most.
	if err1 == nil && in.StartsOn > addDays(today, 366) {
		fe.Add("starts_on", "rule.adm_within_year", addDays(today, 366))
	}
	if err1 == nil && err2 == nil && !due.Before(start) && in.DueOn > addDays(in.StartsOn, 366) {
		fe.Add("due_on", "rule.adm_within_year", addDays(in.StartsOn, 366))
	}
	switch {
	case in.Emergency == "" && in.Reason != "":
		fe.Add("emergency", "rule.adm_emergency_ground", "")
	case in.Emergency != "" && !oneOf(in.Emergency, Emergencies):
		fe.Add("emergency", "rule.one_of", strings.Join(Emergencies, ", "))
	case in.Emergency != "" && in.ItemID != 0:
		// A listed item passes as it is: counting it as an emergency
		// would blur both figures.
		fe.Add("emergency", "rule.adm_emergency_listed", "")
	}
	if err := checkCount("files", 0, len(in.Files)); err != nil {
		fe = append(fe, errs.As(err).Fields...)
	}
	return fe.Err()
}

// addDays is day (YYYY-MM-DD) n days on.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// decides reports whether scope sc is the approver of division approver:
// the district decides its departments' requests, the city its own
// departments' (not the districts').
func decides(sc authz.Scope, approver string) bool {
	return sc.All || sc.Department == 0 && sc.Region == approver
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// approverOf is the division whose approver decides a department's
// off-list requests: its district, or the city for a city's department.
func approverOf(dept territory.Department) string {
	if len(dept.RegionCode) >= 6 {
		return dept.RegionCode[:6]
	}
	return dept.RegionCode
}

// File puts a department's request through the gate. The department is
// the actor's own (sc.Department). A listed item or an emergency reaches
// the communities at once; an off-list request waits for the approver; a
// refusal is an error naming the rule, and when it is one the figures
// count against the department (a negative-list item, an assessment no
// item allows) the attempt is counted and audited, nothing else written.
func (s *Service) File(ctx context.Context, sc authz.Scope, in RequestInput) (Request, error) {
	if sc.Department == 0 {
		return Request{}, errs.E(errs.Forbidden, "err.adm_department_only")
	}
	today := s.today()
	if err := in.check(today); err != nil {
		return Request{}, err
	}
	dept, err := s.deps.Territory.DepartmentServing(ctx, sc.Region, sc.Department)
	if err != nil {
		return Request{}, err
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, []string{in.Target})
	if err != nil {
		return Request{}, err
	}
	if names[in.Target] == "" {
		return Request{}, errs.Field("target", "rule.adm_target", "")
	}
	ask := Ask{Department: dept.Name, Kind: in.Kind, Emergency: in.Emergency, Reason: in.Reason, StartsOn: in.StartsOn, Filed: s.db.Now(),
		InArea: strings.HasPrefix(in.Target, dept.RegionCode)}
	if in.ItemID != 0 {
		it, ok, err := s.itemInForce(ctx, s.db, in.ItemID, in.Target)
		if err != nil {
			return Request{}, err
		}
		ask.Item, ask.InForce = it, ok
		if in.Hours == 0 {
			in.Hours = it.Hours
		}
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return Request{}, err
	}
	dec, ref := Decide(s.deps.Calendar(), st, ask)
	if ref == nil && ask.Item != nil {
		ask.Kind = ask.Item.Kind // the work is the item's
	}
	communities, err := s.deps.Territory.UnscopedCommunities(ctx, in.Target)
	if err != nil {
		return Request{}, err
	}
	if ref != nil {
		if ref.Counted {
			if err := s.countRefusal(ctx, dept, in, ask, ref, communities); err != nil {
				return Request{}, err
			}
		}
		return Request{}, ref.Err()
	}
	if len(communities) == 0 {
		return Request{}, errs.Field("target", "rule.adm_no_communities", "")
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		var itemID, listID any
		if ask.Item != nil {
			itemID, listID = ask.Item.ID, ask.Item.ListID
		}
		var decideBy any
		if dec.Status == Pending {
			decideBy = dec.DecideBy
		}
		if err := tx.QueryRowContext(ctx, `/* admission.file */ INSERT INTO admission_requests (dept_id, dept_name, target_code, approver_code, title, detail,
			kind, item_id, list_id, starts_on, due_on, hours, emergency, emergency_reason, status, rule, decide_by, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			dept.ID, dept.Name, in.Target, approverOf(dept), in.Title, in.Detail, ask.Kind, itemID, listID, in.StartsOn, in.DueOn, in.Hours,
			in.Emergency, in.Reason, dec.Status, dec.Rule, decideBy, actorName(ctx), now).Scan(&id); err != nil {
			return fmt.Errorf("admission: file request: %w", err)
		}
		if _, err := storeFiles(ctx, tx, id, 0, in.Files, actorName(ctx)); err != nil {
			return err
		}
		var t tally
		if dec.Status == Admitted {
			if err := s.deliver(ctx, tx, &t, id, dept.ID, ask.Kind, in.Hours, in.Emergency != "", communities); err != nil {
				return err
			}
		} else {
			for _, c := range communities {
				t.add(month(now), c.Code, dept.ID, "offlist", 1, in.Hours)
			}
		}
		if err := t.flush(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.request.file", ObjectType: "admission_request", ObjectID: strconv.FormatInt(id, 10),
			Region: in.Target, Detail: map[string]any{"title": in.Title, "department": dept.Name, "status": dec.Status, "rule": dec.Rule,
				"item": itemCode(ask.Item), "communities": len(communities), "emergency": in.Emergency, "files": fileNames(in.Files)}})
	})
	if err != nil {
		return Request{}, err
	}
	return s.unscopedRequest(ctx, s.db, id)
}

func itemCode(it *Item) string {
	if it == nil {
		return ""
	}
	return it.Code
}

// actorName is who acts, for the record.
func actorName(ctx context.Context) string {
	if a := authz.ActorFrom(ctx); a != nil && a.DisplayName != "" {
		return a.DisplayName
	}
	return "system"
}

// countRefusal counts and audits an attempt the gate refused at once.
func (s *Service) countRefusal(ctx context.Context, dept territory.Department, in RequestInput, ask Ask, ref *Refusal, communities []territory.Region) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var t tally
		for _, c := range communities {
			t.add(month(tx.Now()), c.Code, dept.ID, "refused", 1, 0)
		}
		if err := t.flush(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.request.refuse", ObjectType: "admission_request", ObjectID: "-",
			Region: in.Target, Detail: map[string]any{"title": in.Title, "department": dept.Name, "rule": ref.Rule, "item": itemCode(ask.Item),
				"kind": ask.Kind, "communities": len(communities)}})
	})
}

// deliver puts request id's tasks in the communities' inboxes and counts
// them.
func (s *Service) deliver(ctx context.Context, tx *db.Tx, t *tally, id, dept int64, kind string, hours float64, emergency bool, communities []territory.Region) error {
	now := tx.Now()
	rows := make([][]any, len(communities))
	for i, c := range communities {
		rows[i] = []any{id, c.Code, "open", now, now}
		t.task(now, c.Code, dept, kind, hours, emergency)
	}
	if err := tx.InsertRows(ctx, "admission_tasks", []string{"request_id", "community_code", "status", "created_at", "updated_at"}, rows, 200); err != nil {
		return fmt.Errorf("admission: deliver request %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE admission_requests SET communities = ? WHERE id = ?`, len(communities), id); err != nil {
		return fmt.Errorf("admission: deliver request %d: %w", id, err)
	}
	return nil
}

// unscopedRequest reads one request with the names of its divisions,
// whatever the actor: the callers check the scope (seesRequest, decides)
// or read what they have just written.
func (s *Service) unscopedRequest(ctx context.Context, q db.Querier, id int64) (Request, error) {
	r, err := db.One(ctx, q, `/* admission.request */ SELECT `+requestCols+requestFrom+` WHERE r.id = ?`, []any{id}, scanRequest,
		error(errs.NotFoundf("kind.adm_request")))
	if err != nil {
		return r, err
	}
	rs := []Request{r}
	err = s.nameRequests(ctx, rs)
	return rs[0], err
}

func (s *Service) nameRequests(ctx context.Context, rs []Request) error {
	var codes []string
	for _, r := range rs {
		codes = append(codes, r.TargetCode, r.ApproverCode)
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, codes)
	if err != nil {
		return err
	}
	for i := range rs {
		rs[i].TargetName, rs[i].ApproverName = names[rs[i].TargetCode], names[rs[i].ApproverCode]
	}
	return nil
}

// Request reads one request the actor may see: a department its own, an
// approver those of their area, a community those that reached it.
func (s *Service) Request(ctx context.Context, sc authz.Scope, id int64) (Request, error) {
	r, err := s.unscopedRequest(ctx, s.db, id)
	if err != nil {
		return r, err
	}
	if !s.seesRequest(ctx, sc, r) {
		return Request{}, errs.NotFoundf("kind.adm_request")
	}
	return r, nil
}

// seesRequest: the department's own; in an area's scope, a request of or
// to it.
func (s *Service) seesRequest(ctx context.Context, sc authz.Scope, r Request) bool {
	if sc.Department != 0 {
		return sc.Department == r.DeptID
	}
	if sc.All || sc.Contains(r.ApproverCode) {
		return true
	}
	// Below the approver, a request is seen once it has reached the
	// area: aimed at it, or at a wider area it is part of.
	if !r.Reaches() {
		return false
	}
	if sc.Contains(r.TargetCode) {
		return true
	}
	return !sc.GridsOnly && sc.Region != "" && len(sc.Region) > len(r.TargetCode) && strings.HasPrefix(sc.Region, r.TargetCode)
}

// RequestFilter narrows a list of requests.
type RequestFilter struct {
	Status string // admitted, pending, approved, refused; "lapsed" for pending past their deadline
	// Queue: what waits for the approver: pending requests in time,
	// emergencies not yet reviewed.
	Queue   bool
	AfterID int64
	Limit   int
}

// Requests lists the requests the actor sees, newest first, with the
// total: a department its own, an approver (or any area's staff) those
// of or to their area.
func (s *Service) Requests(ctx context.Context, sc authz.Scope, f RequestFilter) (web.List[Request], error) {
	if f.Status != "" && !oneOf(f.Status, []string{Admitted, Pending, Approved, Refused, "lapsed"}) {
		return web.List[Request]{}, errs.Field("status", "rule.one_of", "admitted, pending, approved, refused, lapsed")
	}
	if f.Limit <= 0 || f.Limit > web.MaxLimit {
		f.Limit = 50
	}
	where := func(qb *db.Query) *db.Query {
		switch {
		case sc.Department != 0:
			qb.And("r.dept_id = ?", sc.Department)
		case f.Queue:
			if !sc.All {
				qb.And("r.approver_code = ?", sc.Region)
			}
		default:
			// Aimed at the area, or at an area above that includes it (a
			// department can aim only within its own area, so what an
			// approver decides is aimed inside theirs).
			qb.ScopeWithAncestors(sc, "r.target_code", "")
			// Below the approver, only what has reached the area
			// (seesRequest).
			switch {
			case sc.All || len(sc.Region) <= territory.CityCodeLen(sc.Region):
			case len(sc.Region) <= 6:
				qb.And("r.status IN ('admitted', 'approved') OR r.approver_code = ?", sc.Region)
			default:
				qb.And("r.status IN ('admitted', 'approved')")
			}
		}
		now := s.db.Now()
		switch {
		case f.Queue:
			// Written as the partial index admission_requests_waiting is.
			qb.And("r.status = 'pending' OR r.emergency <> '' AND r.reviewed_at IS NULL").And("r.status <> 'pending' OR r.decide_by >= ?", now)
		case f.Status == "lapsed":
			qb.And("r.status = 'pending' AND r.decide_by < ?", now)
		case f.Status == Pending:
			qb.And("r.status = 'pending' AND r.decide_by >= ?", now)
		case f.Status != "":
			qb.And("r.status = ?", f.Status)
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "admission.requests", requestCols, requestFrom, "r.id", where, f.AfterID, f.Limit, scanRequest, func(r Request) int64 { return r.ID })
	if err != nil {
		return l, err
	}
	if err := s.nameRequests(ctx, l.Items); err != nil {
		return l, err
	}
	return l, nil
}

// DecisionInput is an approver's decision on an off-list request or the
// review of an emergency.
type DecisionInput struct {
	Approve bool   `json:"approve" doc:"true: approve (an emergency: it was one); false: refuse (it was not)"`
	Note    string `json:"note,omitempty" doc:"required to refuse"`
}

// Decide is the approver's decision on a pending request, within its
// deadline: approved, it reaches the communities; refused, it does not.
// For an emergency that passed, it is the review afterwards.
func (s *Service) Decide(ctx context.Context, sc authz.Scope, id int64, in DecisionInput) (Request, error) {
	var fe errs.Fields
	in.Note = text.BlockField(&fe, "note", in.Note)
	if !in.Approve && in.Note == "" {
		fe.Add("note", "rule.adm_note_required", "")
	}
	if utf8.RuneCountInString(in.Note) > MaxText {
		fe.Add("note", "rule.max_length", strconv.Itoa(MaxText))
	}
	if err := fe.Err(); err != nil {
		return Request{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := s.unscopedRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if !decides(sc, r.ApproverCode) {
			return errs.NotFoundf("kind.adm_request")
		}
		now := tx.Now()
		var t tally
		switch {
		case r.Status == Pending:
			if now.After(*r.DecideBy) {
				return errs.Field("approve", "rule.adm_decision_late", r.DecideBy.In(s.deps.Calendar().Location()).Format("2006-01-02 15:04"))
			}
			status := Refused
			if in.Approve {
				status = Approved
			}
			res, err := tx.ExecContext(ctx, `UPDATE admission_requests SET status = ?, decided_at = ?, decided_by = ?, decision_note = ? WHERE id = ? AND status = 'pending'`,
				status, now, actorName(ctx), in.Note, id)
			if err != nil {
				return fmt.Errorf("admission: decide %d: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "err.adm_decided")
			}
			if in.Approve {
				communities, err := s.deps.Territory.UnscopedCommunities(ctx, r.TargetCode)
				if err != nil {
					return err
				}
				if err := s.deliver(ctx, tx, &t, id, r.DeptID, r.Kind, r.Hours, false, communities); err != nil {
					return err
				}
			}
		case r.Emergency != "" && r.ReviewedAt == nil:
			res, err := tx.ExecContext(ctx, `UPDATE admission_requests SET reviewed_at = ?, review_upheld = ?, decided_by = ?, decision_note = ? WHERE id = ? AND reviewed_at IS NULL`,
				now, in.Approve, actorName(ctx), in.Note, id)
			if err != nil {
				return fmt.Errorf("admission: review %d: %w", id, err)
			}
			// Two approvers at once: the second finds it reviewed.
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "err.adm_decided")
			}
			// Not an emergency after all: it counts against the
			// department in every community it reached.
			if !in.Approve {
				reached, err := db.Collect(ctx, tx, `/* admission.reached */ SELECT community_code FROM admission_tasks WHERE request_id = ?`, []any{id},
					func(row db.Scanner) (c string, err error) { return c, row.Scan(&c) })
				if err != nil {
					return fmt.Errorf("admission: communities of %d: %w", id, err)
				}
				for _, c := range reached {
					t.add(month(r.CreatedAt), c, r.DeptID, "misused", 1, 0)
				}
			}
		default:
			return errs.E(errs.Conflict, "err.adm_decided")
		}
		if err := t.flush(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.request.decide", ObjectType: "admission_request", ObjectID: strconv.FormatInt(id, 10),
			Region: r.ApproverCode, Detail: map[string]any{"title": r.Title, "department": r.DeptName, "approve": in.Approve, "emergency": r.Emergency != "",
				"note": in.Note}})
	})
	if err != nil {
		return Request{}, err
	}
	return s.unscopedRequest(ctx, s.db, id)
}

// WorkdaysLeft is how many working days after today remain until by: the
// approver's countdown (0: due by close of business today).
func (s *Service) WorkdaysLeft(by time.Time) int {
	cal := s.deps.Calendar()
	now := s.db.Now()
	if !by.After(now) {
		return 0
	}
	n := 0
	end := by.In(cal.Location()).Format(time.DateOnly)
	for d := now.In(cal.Location()).AddDate(0, 0, 1); d.Format(time.DateOnly) <= end; d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			n++
		}
	}
	return n
}

// EarliestOffList is the first day an off-list request filed now may
// start (YYYY-MM-DD): the lead time in working days on.
func (s *Service) EarliestOffList(ctx context.Context) (string, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return "", err
	}
	cal := s.deps.Calendar()
	return cal.AddDays(s.db.Now(), st.LeadDays).In(cal.Location()).Format(time.DateOnly), nil
}

// Settings are the gate's periods in force.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var st Settings
	err := s.db.QueryRowContext(ctx, `SELECT lead_days, decide_days, updated_by, updated_at FROM admission_settings WHERE id = 1`).
		Scan(&st.LeadDays, &st.DecideDays, &st.UpdatedBy, &st.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{LeadDays: 30, DecideDays: 15}, nil
	}
	if err != nil {
		return st, fmt.Errorf("admission: settings: %w", err)
	}
	return st, nil
}

// cityLevel: the scope is the whole city's (or the system's).
func cityLevel(sc authz.Scope) bool {
	return sc.All || sc.Region != "" && sc.Department == 0 && len(sc.Region) <= territory.CityCodeLen(sc.Region)
}

// PutSettings changes the gate's periods: the city's setting.
func (s *Service) PutSettings(ctx context.Context, sc authz.Scope, in Settings) (Settings, error) {
	if !cityLevel(sc) {
		return Settings{}, errs.E(errs.Forbidden, "err.adm_city_only")
	}
	var fe errs.Fields
	if in.LeadDays < 0 || in.LeadDays > 120 {
		fe.Add("lead_days", "rule.range", "0–120")
	}
	if in.DecideDays < 1 || in.DecideDays > 60 {
		fe.Add("decide_days", "rule.range", "1–60")
	}
	if err := fe.Err(); err != nil {
		return Settings{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		before, err := s.Settings(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE admission_settings SET lead_days = ?, decide_days = ?, updated_by = ?, updated_at = ? WHERE id = 1`,
			in.LeadDays, in.DecideDays, actorName(ctx), tx.Now()); err != nil {
			return fmt.Errorf("admission: settings: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.settings", ObjectType: "admission_settings", ObjectID: "1", Region: sc.Region,
			Before: map[string]int{"lead_days": before.LeadDays, "decide_days": before.DecideDays},
			After:  map[string]int{"lead_days": in.LeadDays, "decide_days": in.DecideDays}})
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx)
}

// Synthetic is a request for load work: filed by a department at a time,
// having reached communities, each task in a status.
type Synthetic struct {
	Dept   territory.Department
	Target string
	Item   *Item // nil: an off-list request, approved
	Title  string
	Kind   string
	Hours  float64
	At     time.Time
	// Communities and their tasks' statuses (open, done, declined).
	Communities []string
	Statuses    []string
}

// UnscopedSynthesize writes synthetic requests with their tasks and their
// counts in bulk, as the gate would have left them: for the load
// generator (`demo -city-admission`), no gate and no audit.
func (s *Service) UnscopedSynthesize(ctx context.Context, batch []Synthetic) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var t tally
		var tasks [][]any
		for _, x := range batch {
			status, rule := Approved, "gate.off_list"
			var itemID, listID any
			if x.Item != nil {
				status, rule, itemID, listID = Admitted, "gate.listed", x.Item.ID, x.Item.ListID
			} else {
				for _, c := range x.Communities {
					t.add(month(x.At), c, x.Dept.ID, "offlist", 1, x.Hours)
				}
			}
			day := x.At.In(workday.CST).Format(time.DateOnly)
			var id int64
			if err := tx.QueryRowContext(ctx, `/* admission.synthesize */ INSERT INTO admission_requests (dept_id, dept_name, target_code, approver_code, title,
				kind, item_id, list_id, starts_on, due_on, hours, status, rule, communities, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'system', ?) RETURNING id`,
				x.Dept.ID, x.Dept.Name, x.Target, approverOf(x.Dept), x.Title, x.Kind, itemID, listID, day, day, x.Hours, status, rule,
				len(x.Communities), x.At).Scan(&id); err != nil {
				return fmt.Errorf("admission: synthesize: %w", err)
			}
			for i, c := range x.Communities {
				st := x.Statuses[i]
				var done, declined any
				switch st {
				case TaskDone:
					done = x.At
				case TaskDeclined:
					declined = x.At
					t.add(month(x.At), c, x.Dept.ID, "declined", 1, x.Hours)
				}
				tasks = append(tasks, []any{id, c, st, done, declined, x.At, x.At})
				t.task(x.At, c, x.Dept.ID, x.Kind, x.Hours, false)
			}
		}
		if err := tx.InsertRows(ctx, "admission_tasks", []string{"request_id", "community_code", "status", "done_at", "declined_at", "created_at", "updated_at"},
			tasks, 200); err != nil {
			return fmt.Errorf("admission: synthesize tasks: %w", err)
		}
		return t.flush(ctx, tx)
	})
}
