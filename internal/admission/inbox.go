package admission

import (
	"context"
	"database/sql"
	"fmt"
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
)

// Task is a request as it reached one community: its inbox entry.
type Task struct {
	ID            int64      `json:"id"`
	RequestID     int64      `json:"request_id"`
	CommunityCode string     `json:"community_code"`
	CommunityName string     `json:"community_name"`
	Status        string     `json:"status" doc:"open, done or declined"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	Evidence      string     `json:"evidence,omitempty" doc:"what was done, as the community recorded it"`
	DeclinedAt    *time.Time `json:"declined_at,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	// DeclineUpheld: the approver's review of a decline (nil: not yet).
	DeclineUpheld *bool `json:"decline_upheld,omitempty"`
	// ReviewedBy and ReviewNote: who reviewed the last decline and what
	// they wrote (an overruled decline leaves them on the reopened task).
	ReviewedBy string    `json:"reviewed_by,omitempty"`
	ReviewNote string    `json:"review_note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// Request is what was asked, by whom, under which item.
	Request Request `json:"request"`
}

// The statuses of a task. Stored; do not rename.
const (
	TaskOpen     = "open"
	TaskDone     = "done"
	TaskDeclined = "declined"
)

const taskCols = `t.id, t.request_id, t.community_code, t.status, t.done_at, t.evidence, t.declined_at, t.decline_reason, t.decline_upheld, t.reviewed_by, t.review_note, t.created_at, `

func scanTask(row db.Scanner) (Task, error) {
	var t Task
	var done, declined *time.Time
	r := &t.Request
	var decideBy, decidedAt, reviewedAt *time.Time
	err := row.Scan(&t.ID, &t.RequestID, &t.CommunityCode, &t.Status, &done, &t.Evidence, &declined, &t.DeclineReason, &t.DeclineUpheld, &t.ReviewedBy, &t.ReviewNote, &t.CreatedAt,
		&r.ID, &r.DeptID, &r.DeptName, &r.TargetCode, &r.ApproverCode, &r.Title, &r.Detail, &r.Kind, &r.ItemID,
		&r.ItemCode, &r.ItemTitle, &r.ListID, &r.ListVersion, &r.StartsOn, &r.DueOn, &r.Hours, &r.Emergency,
		&r.Reason, &r.Status, &r.Rule, &decideBy, &decidedAt, &r.DecidedBy, &r.DecisionNote, &reviewedAt, &r.ReviewUpheld,
		&r.Communities, &r.CreatedBy, &r.CreatedAt)
	t.DoneAt, t.DeclinedAt = utc(done), utc(declined)
	r.DecideBy, r.DecidedAt, r.ReviewedAt = utc(decideBy), utc(decidedAt), utc(reviewedAt)
	return t, err
}

const taskFrom = ` FROM admission_tasks t JOIN admission_requests r ON r.id = t.request_id LEFT JOIN admission_items i ON i.id = r.item_id
	LEFT JOIN admission_lists l ON l.id = r.list_id`

// TaskFilter narrows an inbox.
type TaskFilter struct {
	Status string // open, done, declined; "review": declines the approver has not reviewed
	// Overdue keeps open tasks past their due date.
	Overdue bool
	Region  string // a community (or wider) inside the scope
	// RequestID keeps the tasks of one request.
	RequestID int64
	AfterID   int64
	Limit     int
}

// Tasks lists the inbox of the actor's area, newest first, with the
// total: a community's own; a subdistrict's or district's, every one of
// its communities'; a department, the tasks of its own requests.
func (s *Service) Tasks(ctx context.Context, sc authz.Scope, f TaskFilter) (web.List[Task], error) {
	if f.Status != "" && !oneOf(f.Status, []string{TaskOpen, TaskDone, TaskDeclined, "review"}) {
		return web.List[Task]{}, errs.Field("status", "rule.one_of", "open, done, declined, review")
	}
	if f.Region != "" && (!digits(f.Region) || !sc.Contains(f.Region)) {
		return web.List[Task]{}, errs.Field("region", "rule.out_of_scope", "")
	}
	if f.Limit <= 0 || f.Limit > web.MaxLimit {
		f.Limit = 50
	}
	where := func(qb *db.Query) *db.Query {
		if sc.Department != 0 {
			qb.And("r.dept_id = ?", sc.Department).Scope(authz.Scope{Region: sc.Region}, "t.community_code", "")
		} else {
			qb.Scope(sc, "t.community_code", "")
		}
		if f.Region != "" {
			qb.Under("t.community_code", f.Region)
		}
		if f.RequestID != 0 {
			qb.And("t.request_id = ?", f.RequestID)
		}
		switch f.Status {
		case "review":
			qb.And("t.status = 'declined' AND t.decline_upheld IS NULL")
			if !sc.All && sc.Department == 0 {
				// The declines this approver reviews.
				qb.And("r.approver_code = ?", sc.Region)
			}
		case "":
		default:
			qb.And("t.status = ?", f.Status)
		}
		if f.Overdue {
			qb.And("t.status = 'open' AND r.due_on < ?", s.today())
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "admission.tasks", taskCols+requestCols, taskFrom, "t.id", where, f.AfterID, f.Limit, scanTask, func(t Task) int64 { return t.ID })
	if err != nil {
		return l, err
	}
	return l, s.nameTasks(ctx, l.Items)
}

func (s *Service) nameTasks(ctx context.Context, ts []Task) error {
	var codes []string
	for _, t := range ts {
		codes = append(codes, t.CommunityCode, t.Request.TargetCode, t.Request.ApproverCode)
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, codes)
	if err != nil {
		return err
	}
	for i := range ts {
		ts[i].CommunityName = names[ts[i].CommunityCode]
		ts[i].Request.TargetName, ts[i].Request.ApproverName = names[ts[i].Request.TargetCode], names[ts[i].Request.ApproverCode]
	}
	return nil
}

// unscopedTask reads one task, whatever the actor: the callers check the
// scope (seesTask, Contains, decides) before using it.
func unscopedTask(ctx context.Context, q db.Querier, id int64) (Task, error) {
	return db.One(ctx, q, `/* admission.task */ SELECT `+taskCols+requestCols+taskFrom+` WHERE t.id = ?`, []any{id}, scanTask,
		error(errs.NotFoundf("kind.adm_task")))
}

// Task reads one task the actor may see: their community's, their area's,
// or a department's own request's.
func (s *Service) Task(ctx context.Context, sc authz.Scope, id int64) (Task, error) {
	t, err := unscopedTask(ctx, s.db, id)
	if err != nil {
		return t, err
	}
	if !s.seesTask(sc, t) {
		return Task{}, errs.NotFoundf("kind.adm_task")
	}
	ts := []Task{t}
	err = s.nameTasks(ctx, ts)
	return ts[0], err
}

func (s *Service) seesTask(sc authz.Scope, t Task) bool {
	if sc.Department != 0 {
		return t.Request.DeptID == sc.Department
	}
	return sc.Contains(t.CommunityCode)
}

// TaskAction is what a community does with a task: done with its
// evidence, or declined as not on the list with the reason.
type TaskAction struct {
	Action string `json:"action" doc:"done or decline"`
	Note   string `json:"note" doc:"done: what was done (evidence); decline: why it should not have arrived"`
	// Files go with it as evidence (checked by CheckUpload); over the
	// API they are sent before, one by one.
	Files []Upload `json:"-"`
}

// Act records a community's completion or decline of an open task of its
// own. A decline goes to the approver and counts against the department.
func (s *Service) Act(ctx context.Context, sc authz.Scope, id int64, in TaskAction) (Task, error) {
	var fe errs.Fields
	in.Note = text.BlockField(&fe, "note", in.Note)
	if !oneOf(in.Action, []string{"done", "decline"}) {
		fe.Add("action", "rule.one_of", "done, decline")
	}
	if in.Note == "" {
		fe.Add("note", "rule.required", "")
	} else if utf8.RuneCountInString(in.Note) > MaxText {
		fe.Add("note", "rule.max_length", strconv.Itoa(MaxText))
	}
	if err := fe.Err(); err != nil {
		return Task{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err := unscopedTask(ctx, tx, id)
		if err != nil {
			return err
		}
		if sc.Department != 0 || !sc.Contains(t.CommunityCode) {
			return errs.NotFoundf("kind.adm_task")
		}
		if t.Status != TaskOpen {
			return errs.E(errs.Conflict, "err.adm_task_closed")
		}
		now := tx.Now()
		var res interface{ RowsAffected() (int64, error) }
		if in.Action == "done" {
			res, err = tx.ExecContext(ctx, `UPDATE admission_tasks SET status = 'done', done_at = ?, evidence = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
				now, in.Note, now, id)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE admission_tasks SET status = 'declined', declined_at = ?, decline_reason = ?, decline_upheld = NULL, updated_at = ?
				WHERE id = ? AND status = 'open'`, now, in.Note, now, id)
		}
		if err != nil {
			return fmt.Errorf("admission: task %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.adm_task_closed")
		}
		if _, err := s.evidence(ctx, tx, t, in.Files); err != nil {
			return err
		}
		if in.Action == "decline" {
			var c tally
			c.add(month(t.CreatedAt), t.CommunityCode, t.Request.DeptID, "declined", 1, t.Request.Hours)
			if err := c.flush(ctx, tx); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.task." + in.Action, ObjectType: "admission_task", ObjectID: strconv.FormatInt(id, 10),
			Region: t.CommunityCode, Detail: map[string]any{"title": t.Request.Title, "department": t.Request.DeptName, "note": in.Note}})
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, sc, id)
}

// ReviewDecline is the approver's review of a community's decline:
// upheld, it stays declined and counted against the department;
// overruled, the task is open again and the decline no longer counts.
func (s *Service) ReviewDecline(ctx context.Context, sc authz.Scope, id int64, in DecisionInput) (Task, error) {
	var fe errs.Fields
	in.Note = text.BlockField(&fe, "note", in.Note)
	if !in.Approve && in.Note == "" {
		fe.Add("note", "rule.adm_note_required", "")
	} else if utf8.RuneCountInString(in.Note) > MaxText {
		fe.Add("note", "rule.max_length", strconv.Itoa(MaxText))
	}
	if err := fe.Err(); err != nil {
		return Task{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err := unscopedTask(ctx, tx, id)
		if err != nil {
			return err
		}
		if !decides(sc, t.Request.ApproverCode) {
			return errs.NotFoundf("kind.adm_task")
		}
		if t.Status != TaskDeclined || t.DeclineUpheld != nil {
			return errs.E(errs.Conflict, "err.adm_reviewed")
		}
		now := tx.Now()
		// Only the first of two reviews at once finds the decline
		// unreviewed.
		const unreviewed = ` WHERE id = ? AND status = 'declined' AND decline_upheld IS NULL`
		var res sql.Result
		if in.Approve {
			res, err = tx.ExecContext(ctx, `UPDATE admission_tasks SET decline_upheld = ?, reviewed_by = ?, review_note = ?, updated_at = ?`+unreviewed,
				true, actorName(ctx), in.Note, now, id)
		} else {
			// Overruled: the task is the community's again.
			res, err = tx.ExecContext(ctx, `UPDATE admission_tasks SET status = 'open', declined_at = NULL, decline_upheld = NULL,
				decline_reason = '', reviewed_by = ?, review_note = ?, updated_at = ?`+unreviewed, actorName(ctx), in.Note, now, id)
		}
		if err != nil {
			return fmt.Errorf("admission: review decline %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.adm_reviewed")
		}
		if !in.Approve {
			var c tally
			c.add(month(t.CreatedAt), t.CommunityCode, t.Request.DeptID, "declined", -1, -t.Request.Hours)
			if err := c.flush(ctx, tx); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.task.review", ObjectType: "admission_task", ObjectID: strconv.FormatInt(id, 10),
			Region: t.CommunityCode, Detail: map[string]any{"title": t.Request.Title, "department": t.Request.DeptName, "upheld": in.Approve,
				"reason": t.DeclineReason, "note": in.Note}})
	})
	if err != nil {
		return Task{}, err
	}
	t, err := unscopedTask(ctx, s.db, id)
	if err != nil {
		return t, err
	}
	ts := []Task{t}
	return ts[0], s.nameTasks(ctx, ts)
}

// Burden is a signboard (挂牌) or a ledger (台账) a community was made to
// keep, registered so that the count can fall.
type Burden struct {
	ID            int64  `json:"id"`
	CommunityCode string `json:"community_code"`
	CommunityName string `json:"community_name"`
	Kind          string `json:"kind" doc:"signboard or ledger"`
	Name          string `json:"name"`
	Department    string `json:"department,omitempty" doc:"the department that demanded it"`
	RequestID     int64  `json:"request_id,omitempty"`
	RegisteredOn  string `json:"registered_on" doc:"YYYY-MM-DD"`
	RemovedOn     string `json:"removed_on,omitempty" doc:"YYYY-MM-DD: taken down or dropped"`
}

// BurdenKinds: signboards and ledgers. Stored; do not rename.
var BurdenKinds = []string{"signboard", "ledger"}

// BurdenInput registers one signboard or ledger of a community.
type BurdenInput struct {
	Community    string `json:"community"`
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Department   string `json:"department,omitempty"`
	RegisteredOn string `json:"registered_on,omitempty" doc:"YYYY-MM-DD; today by default"`
}

// RegisterBurden records a signboard or a ledger of a community in scope.
func (s *Service) RegisterBurden(ctx context.Context, sc authz.Scope, in BurdenInput) (Burden, error) {
	var fe errs.Fields
	in.Name = text.LineField(&fe, "name", in.Name)
	in.Department = text.LineField(&fe, "department", in.Department)
	if in.Community == "" && len(sc.Region) == 12 {
		in.Community = sc.Region
	}
	if len(in.Community) != 12 || !digits(in.Community) || !sc.Contains(in.Community) || sc.Department != 0 {
		fe.Add("community", "rule.out_of_scope", "")
	}
	if !oneOf(in.Kind, BurdenKinds) {
		fe.Add("kind", "rule.one_of", strings.Join(BurdenKinds, ", "))
	}
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > MaxTitle {
		fe.Add("name", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	if utf8.RuneCountInString(in.Department) > MaxTitle {
		fe.Add("department", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	if in.RegisteredOn == "" {
		in.RegisteredOn = s.today()
	} else if _, err := time.Parse(time.DateOnly, in.RegisteredOn); err != nil || in.RegisteredOn > s.today() {
		fe.Add("registered_on", "rule.date", "YYYY-MM-DD")
	}
	if err := fe.Err(); err != nil {
		return Burden{}, err
	}
	var b Burden
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO admission_burdens (community_code, kind, name, department, registered_on, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.Community, in.Kind, in.Name, in.Department, in.RegisteredOn, tx.Now()).Scan(&b.ID); err != nil {
			return fmt.Errorf("admission: register %s: %w", in.Kind, err)
		}
		b = Burden{ID: b.ID, CommunityCode: in.Community, Kind: in.Kind, Name: in.Name, Department: in.Department, RegisteredOn: in.RegisteredOn}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.burden.register", ObjectType: "admission_burden", ObjectID: strconv.FormatInt(b.ID, 10),
			Region: in.Community, After: b})
	})
	return b, err
}

// RemoveBurden records that a signboard was taken down or a ledger
// dropped.
func (s *Service) RemoveBurden(ctx context.Context, sc authz.Scope, id int64) (Burden, error) {
	var b Burden
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		b, err = db.One(ctx, tx, `SELECT `+burdenCols+` FROM admission_burdens b WHERE b.id = ?`, []any{id}, scanBurden, error(errs.NotFoundf("kind.adm_burden")))
		if err != nil {
			return err
		}
		if sc.Department != 0 || !sc.Contains(b.CommunityCode) {
			return errs.NotFoundf("kind.adm_burden")
		}
		if b.RemovedOn != "" {
			return errs.E(errs.Conflict, "err.adm_removed")
		}
		b.RemovedOn = s.today()
		if _, err := tx.ExecContext(ctx, `UPDATE admission_burdens SET removed_on = ? WHERE id = ?`, b.RemovedOn, id); err != nil {
			return fmt.Errorf("admission: remove %d: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.burden.remove", ObjectType: "admission_burden", ObjectID: strconv.FormatInt(id, 10),
			Region: b.CommunityCode, After: b})
	})
	return b, err
}

const burdenCols = `b.id, b.community_code, b.kind, b.name, b.department, COALESCE(b.request_id, 0), b.registered_on, b.removed_on`

func scanBurden(r db.Scanner) (Burden, error) {
	var b Burden
	err := r.Scan(&b.ID, &b.CommunityCode, &b.Kind, &b.Name, &b.Department, &b.RequestID, &b.RegisteredOn, &b.RemovedOn)
	return b, err
}

// Burdens lists the signboards and ledgers of the actor's area, those
// still kept first, with the total.
func (s *Service) Burdens(ctx context.Context, sc authz.Scope, kind string, current bool, afterID int64, limit int) (web.List[Burden], error) {
	if kind != "" && !oneOf(kind, BurdenKinds) {
		return web.List[Burden]{}, errs.Field("kind", "rule.one_of", strings.Join(BurdenKinds, ", "))
	}
	if limit <= 0 || limit > web.MaxLimit {
		limit = 50
	}
	where := func(qb *db.Query) *db.Query {
		qb.Scope(sc, "b.community_code", "")
		if sc.Department != 0 {
			qb.And("1 = 0")
		}
		if kind != "" {
			qb.And("b.kind = ?", kind)
		}
		if current {
			qb.And("b.removed_on = ''")
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "admission.burdens", burdenCols, ` FROM admission_burdens b`, "b.id", where, afterID, limit, scanBurden, func(b Burden) int64 { return b.ID })
	if err != nil || len(l.Items) == 0 {
		return l, err
	}
	codes := make([]string, len(l.Items))
	for i, b := range l.Items {
		codes[i] = b.CommunityCode
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, codes)
	for i := range l.Items {
		l.Items[i].CommunityName = names[l.Items[i].CommunityCode]
	}
	return l, err
}
