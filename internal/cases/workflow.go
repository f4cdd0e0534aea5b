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
)

// Move is one workflow action on a case. Version is the version the
// actor saw: a case changed since is refused, so no update is lost.
type Move struct {
	Action    string  `json:"action" doc:"accept, reject, merge, register, dispatch, reassign, acknowledge, return, request_extension, decide_extension, handle, verify, close, suspend, resume, supervise, reopen; reply (a public answer to the reporter) and note (internal), which change nothing else"`
	Version   int     `json:"version"`
	Note      string  `json:"note,omitempty" doc:"what was done or why; on a public entry (a change of status, a reply) the reporter reads it too, on an internal one (note, supervise, a request for time …) staff only; required for handle, return, reject, suspend, supervise, reopen and a failed verification. For reply: the answer the reporter and the public read"`
	Reason    string  `json:"reason,omitempty" doc:"reject: duplicate, out_of_scope or not_actionable"`
	MergeInto int64   `json:"merge_into,omitempty" doc:"merge: the case this report joins"`
	Category  string  `json:"category,omitempty" doc:"register: file under another sub-class"`
	UnitKind  string  `json:"unit_kind,omitempty" doc:"dispatch, reassign: community, department or property"`
	DeptID    int64   `json:"dept_id,omitempty" doc:"dispatch, reassign to a department"`
	UnitName  string  `json:"unit_name,omitempty" doc:"dispatch, reassign to a property company: its name"`
	Days      int     `json:"days,omitempty" doc:"request_extension: working days asked for (1–30)"`
	Approve   *bool   `json:"approve,omitempty" doc:"decide_extension"`
	Pass      *bool   `json:"pass,omitempty" doc:"verify: true when the problem is solved on the spot; false sends it back for handling (rework)"`
	Photos    []Photo `json:"-"`
}

// rule is what an action needs and does.
type rule struct {
	perm    authz.Perm
	from    []Status
	to      Status // "" keeps the status
	handler bool   // only the handling unit may do it
	note    bool   // a note is required
	// talk: a reply or a note, which changes nothing of the case: anyone
	// who manages it, or its handling unit.
	talk bool
}

var openStatuses = []Status{Submitted, Accepted, Registered, Dispatched, Handled, Verified}

// rules is the state machine.
var rules = map[string]rule{
	"accept":            {perm: PermManage, from: []Status{Submitted}, to: Accepted},
	"reject":            {perm: PermManage, from: []Status{Submitted, Accepted, Registered}, to: Rejected, note: true},
	"merge":             {perm: PermManage, from: []Status{Submitted, Accepted, Registered}, to: Merged},
	"register":          {perm: PermManage, from: []Status{Accepted}, to: Registered},
	"dispatch":          {perm: PermManage, from: []Status{Registered}, to: Dispatched},
	"reassign":          {perm: PermManage, from: []Status{Dispatched}, to: Dispatched},
	"acknowledge":       {perm: PermHandle, from: []Status{Dispatched}, handler: true},
	"return":            {perm: PermHandle, from: []Status{Dispatched}, to: Registered, handler: true, note: true},
	"request_extension": {perm: PermHandle, from: []Status{Dispatched}, handler: true, note: true},
	"decide_extension":  {perm: PermManage, from: []Status{Dispatched}},
	"handle":            {perm: PermHandle, from: []Status{Dispatched}, to: Handled, handler: true, note: true},
	"verify":            {perm: PermVerify, from: []Status{Handled}, to: Verified},
	"close":             {perm: PermManage, from: []Status{Verified}, to: Closed},
	"suspend":           {perm: PermManage, from: openStatuses, to: Suspended, note: true},
	"resume":            {perm: PermManage, from: []Status{Suspended}},
	"supervise":         {perm: PermSupervise, from: append(slices.Clone(openStatuses), Suspended), note: true},
	"reopen":            {perm: PermManage, from: []Status{Closed}, to: Dispatched, note: true},
	"reply":             {perm: PermView, from: Statuses, note: true, talk: true},
	"note":              {perm: PermView, from: Statuses, note: true, talk: true},
}

// Actions lists the actions in the order pages show them.
var Actions = []string{"accept", "register", "dispatch", "reassign", "acknowledge", "handle", "return", "request_extension",
	"decide_extension", "verify", "close", "reply", "note", "reject", "merge", "suspend", "resume", "supervise", "reopen"}

// nextActions are, for each status, the actions the case waits for: the
// case page shows those the actor may take first, the first one open,
// and folds the others away.
var nextActions = map[Status][]string{
	Submitted:  {"accept"},
	Accepted:   {"register"},
	Registered: {"dispatch"},
	Dispatched: {"acknowledge", "handle", "decide_extension"},
	Handled:    {"verify"},
	Verified:   {"close"},
	Suspended:  {"resume"},
}

// Guide splits the actions a may take on c now into those the case waits
// for from a (in order) and the others.
func Guide(a *authz.Actor, c *Case) (next, more []string) {
	for _, name := range Allowed(a, c) {
		if slices.Contains(nextActions[c.Status], name) {
			next = append(next, name)
		} else {
			more = append(more, name)
		}
	}
	return next, more
}

// isHandler reports whether the actor belongs to the unit the case is
// dispatched to: its department, the property company it names, or for
// the community's own cases someone of the community's side (not a
// department, not a property company). The community does not sign for
// nor handle a case it handed to a property company: the company does.
func isHandler(a *authz.Actor, c *Case) bool {
	switch c.UnitKind {
	case UnitDepartment:
		return a.Scope.Department != 0 && a.Scope.Department == c.DeptID
	case UnitProperty:
		return a.Scope.PropertyOnly && a.Scope.Property == c.UnitName
	}
	// The community's own work: not a department's, not a property company's.
	return a.Scope.Department == 0 && !a.Scope.PropertyOnly
}

// Allowed lists the actions the actor may take on c now.
func Allowed(a *authz.Actor, c *Case) []string {
	var out []string
	for _, name := range Actions {
		if allowed(a, c, name) == nil {
			out = append(out, name)
		}
	}
	return out
}

func allowed(a *authz.Actor, c *Case, action string) error {
	r, ok := rules[action]
	if !ok {
		return errs.Field("action", "rule.one_of", strings.Join(Actions, ", "))
	}
	if a == nil || !a.Can(r.perm) {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	if !slices.Contains(r.from, c.Status) {
		return errs.E(errs.Conflict, "err.case_move", action, string(c.Status))
	}
	if r.handler && !isHandler(a, c) {
		return errs.E(errs.Forbidden, "err.not_handler")
	}
	if r.talk {
		// The community's side who manage the case, or its handling unit.
		// The community's side still follows a case handed to a
		// property company (replies, notes), without handling it.
		community := a.Scope.Department == 0 && !a.Scope.PropertyOnly
		if a.Can(PermManage) && community || a.Can(PermHandle) && (isHandler(a, c) || community && c.UnitKind == UnitProperty) {
			return nil
		}
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	switch action {
	case "decide_extension":
		if c.ExtensionAsked == 0 {
			return errs.E(errs.Conflict, "err.no_extension")
		}
		// Not the unit that asked: a community's request goes up to the
		// subdistrict or higher.
		if c.UnitKind != UnitDepartment && !a.Scope.All && len(a.Scope.Home()) >= len(communityOf(c.RegionCode)) {
			return errs.E(errs.Forbidden, "err.forbidden")
		}
	case "request_extension":
		if c.ExtensionAsked != 0 {
			return errs.E(errs.Conflict, "err.extension_pending")
		}
	case "acknowledge":
		if c.AcknowledgedAt != nil {
			return errs.E(errs.Conflict, "err.case_move", action, string(c.Status))
		}
	}
	// Department and property staff act only as the handling unit (or a
	// whistled party).
	if (a.Scope.Department != 0 || a.Scope.PropertyOnly) && !r.handler {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	return nil
}

// CanWhistle says whether a may blow the whistle on c now (吹哨): staff
// of the community's side who may whistle, on an open case past intake.
// Pages and Blow both ask it.
func CanWhistle(a *authz.Actor, c *Case) error {
	if a == nil || !a.Can(PermWhistle) || a.Scope.Department != 0 {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	if !c.Status.Open() || c.Status == Submitted {
		return errs.E(errs.Conflict, "err.case_move", "whistle", string(c.Status))
	}
	return nil
}

// RateVia says how a may rate c now: "reporter" (their own report) or
// "callback" (staff recording the reporter's verdict, never the rated
// unit). Pages and Rate both ask it.
func RateVia(a *authz.Actor, c *Case) (string, error) {
	var via string
	switch {
	case a == nil:
		return "", errs.E(errs.Unauthorized, "err.unauthorized")
	case c.ReporterID != 0 && c.ReporterID == a.UserID && !a.Can(PermManage) && !a.Can(PermHandle):
		// A resident's or Party member's own report; staff who filed a
		// case are not its judges.
		via = "reporter"
	case CanCallBack(a, c):
		via = "callback"
	default:
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	if c.RatedAt != nil && c.Status == Closed {
		return "", errs.E(errs.Conflict, "err.rate_done", c.Number)
	}
	if c.Status != Closed || c.RatedAt != nil {
		return "", errs.E(errs.Conflict, "err.case_move", "rate", string(c.Status))
	}
	return via, nil
}

// Act applies a move to case id: the state machine refuses what is not
// allowed from the current status or for this actor, and a stale version;
// the move, its deadline and its audit record commit together.
func (s *Service) Act(ctx context.Context, id int64, m Move) (*Case, error) {
	a := authz.ActorFrom(ctx)
	var fe errs.Fields
	m.Note = text.BlockField(&fe, "note", m.Note)
	m.UnitName = text.LineField(&fe, "unit_name", m.UnitName)
	if fe != nil {
		return nil, fe.Err()
	}
	if utf8.RuneCountInString(m.Note) > 2000 {
		return nil, errs.Field("note", "rule.max_length", "2000")
	}
	if len(m.Photos) > MaxPhotos {
		return nil, errs.Field("photos", "rule.photo_count", strconv.Itoa(MaxPhotos))
	}
	var out *Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := findCase(ctx, tx, accessOf(authz.ActorFrom(ctx)), id)
		if err != nil {
			return err
		}
		r := rules[m.Action]
		// A reply or a note changes nothing of the case: it needs no
		// version, and a colleague's form stays current.
		if m.Version != c.Version && !r.talk {
			return errs.E(errs.Conflict, "err.conflict")
		}
		if err := allowed(a, c, m.Action); err != nil {
			return err
		}
		if r.note && m.Note == "" && !(m.Action == "reject" && m.Reason == "duplicate") {
			return errs.Field("note", "rule.required", "")
		}
		before := *c
		from := c.Status
		detail, err := s.apply(ctx, tx, c, m)
		if err != nil {
			return err
		}
		if !r.talk {
			if err := recount(ctx, tx, c, from); err != nil {
				return err
			}
			if err := updateCase(ctx, tx, c); err != nil {
				return err
			}
		}
		if !c.Status.Open() {
			// A case rejected, merged or closed has nobody left to place it.
			if _, err := tx.ExecContext(ctx, `/* cases.dequeueClosed */ DELETE FROM case_locate_queue WHERE case_id = ?`, c.ID); err != nil {
				return fmt.Errorf("cases: dequeue %d: %w", c.ID, err)
			}
		}
		ev := &Event{CaseID: c.ID, Action: m.Action, FromStatus: from, ToStatus: c.Status, Note: m.Note, Detail: detail}
		if err := insertEvent(ctx, tx, authz.ActorFrom(ctx), ev); err != nil {
			return err
		}
		c.lastEvent = ev.ID
		for _, p := range m.Photos {
			if err := insertPhoto(ctx, tx, c.ID, ev.ID, p); err != nil {
				return err
			}
		}
		if m.Action == "supervise" {
			if err := notify(ctx, tx, c, "supervised"); err != nil {
				return err
			}
		}
		out = c
		return audit.Record(ctx, tx, audit.Entry{Action: "cases." + m.Action, ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
			Region: c.RegionCode, Before: before, After: c, Detail: map[string]any{"note": m.Note, "detail": detail}})
	})
	if err != nil {
		return nil, err
	}
	s.decorate(ctx, out)
	return out, nil
}

// apply changes c for move m and returns the detail the timeline shows.
func (s *Service) apply(ctx context.Context, tx *db.Tx, c *Case, m Move) (string, error) {
	now := tx.Now()
	cal := s.deps.Calendar()
	cat, err := s.Catalogue(ctx, c.CatalogueVersion)
	if err != nil {
		return "", err
	}
	cg, ok := cat.Get(c.Category)
	if !ok {
		return "", errs.Field("category", "rule.category", c.Category)
	}
	detail := map[string]any{}
	switch m.Action {
	case "accept":
		s.enter(c, cg, Accepted, now)
	case "reject":
		if !slices.Contains(RejectReasons, m.Reason) {
			return "", errs.Field("reason", "rule.one_of", strings.Join(RejectReasons, ", "))
		}
		detail["reason"] = m.Reason
		s.enter(c, cg, Rejected, now)
		c.ClosedAt = &now
	case "merge":
		if m.MergeInto == 0 || m.MergeInto == c.ID {
			return "", errs.Field("merge_into", "rule.required", "")
		}
		target, err := findCase(ctx, tx, accessOf(authz.ActorFrom(ctx)), m.MergeInto)
		if err != nil || !target.Status.Open() || target.Category[:2] != c.Category[:2] {
			return "", errs.Field("merge_into", "rule.merge_target", "")
		}
		c.MergedInto = target.ID
		detail["merge_into"] = target.Number
		s.enter(c, cg, Merged, now)
		c.ClosedAt = &now
	case "register":
		if m.Category != "" && m.Category != c.Category {
			cur, err := s.Catalogue(ctx, 0)
			if err != nil {
				return "", err
			}
			ng, ok := cur.Get(m.Category)
			if !ok || ng.Parent == "" {
				return "", errs.Field("category", "rule.category", m.Category)
			}
			detail["category"] = c.Category + "→" + ng.Code
			// Re-filed: the case takes the rules in force now.
			c.Category, c.CatalogueVersion, c.Urgency, cg = ng.Code, cur.Version, ng.Urgency, ng
		}
		s.enter(c, cg, Registered, now)
	case "dispatch", "reassign":
		if err := s.setUnit(ctx, tx, c, m); err != nil {
			return "", err
		}
		detail["unit"] = c.UnitKind + ":" + c.UnitName
		c.ExtensionAsked, c.ExtensionReason = 0, ""
		s.enter(c, cg, Dispatched, now)
	case "acknowledge":
		c.AcknowledgedAt = &now
	case "return":
		c.DeptID, c.UnitKind, c.UnitName = 0, "", ""
		s.enter(c, cg, Registered, now)
	case "request_extension":
		if m.Days < 1 || m.Days > 30 {
			return "", errs.Field("days", "rule.range", "1–30")
		}
		c.ExtensionAsked, c.ExtensionReason = m.Days, m.Note
		detail["days"] = m.Days
	case "decide_extension":
		if m.Approve == nil {
			return "", errs.Field("approve", "rule.required", "")
		}
		detail["days"], detail["approve"] = c.ExtensionAsked, *m.Approve
		if *m.Approve {
			// Counted from the old deadline, or from now when the case
			// is already past it: the time granted is still to come.
			from := *c.HandleDueAt
			if now.After(from) {
				from = now
			}
			due := cal.AddDays(from, c.ExtensionAsked).UTC()
			c.HandleDueAt, c.StepDueAt = &due, &due
			c.StepWarnAt = s.warnAt(cal, 'd', c.StepStartedAt, due)
			c.ExtensionDays += c.ExtensionAsked
		}
		c.ExtensionAsked, c.ExtensionReason = 0, ""
	case "handle":
		if c.AcknowledgedAt == nil {
			c.AcknowledgedAt = &now
		}
		c.HandledAt = &now
		s.enter(c, cg, Handled, now)
	case "verify":
		if m.Pass == nil {
			return "", errs.Field("pass", "rule.required", "")
		}
		detail["pass"] = *m.Pass
		if *m.Pass {
			s.enter(c, cg, Verified, now)
		} else {
			if m.Note == "" {
				return "", errs.Field("note", "rule.required", "")
			}
			c.Rework++
			c.HandledAt = nil
			s.enter(c, cg, Dispatched, now)
		}
	case "close":
		if open, err := openWhistleParties(ctx, tx, c.ID); err != nil {
			return "", err
		} else if open > 0 {
			return "", errs.E(errs.Conflict, "err.whistle_open", strconv.Itoa(open))
		}
		s.enter(c, cg, Closed, now)
		c.ClosedAt = &now
		if c.RatedAt != nil {
			// Closed again after the reporter found it unresolved: the
			// reporter judges the rework, by a new link.
			c.Resolved, c.Satisfaction, c.RatedAt = nil, "", nil
		}
		if c.ReporterID != 0 || c.phoneEnc != "" {
			// The link goes to the reporter through the staff who make
			// call-backs (RateLink), sealed; the timeline that the rated
			// unit reads never holds it. A link this replaces still says
			// what it was for and that it was used.
			if _, err := tx.ExecContext(ctx, `/* cases.rateLinkUsed */ INSERT INTO case_rate_tokens_used (token_hash, case_id, rated_at, replaced_at)
				SELECT rate_token, id, rated_at, ? FROM cases WHERE id = ? AND rate_token IS NOT NULL
				ON CONFLICT (token_hash) DO NOTHING`, now, c.ID); err != nil {
				return "", fmt.Errorf("cases: keep used rating link of %d: %w", c.ID, err)
			}
			tok, h := newToken()
			sealed, err := s.deps.Keys.Encrypt(tok)
			if err != nil {
				return "", err
			}
			if _, err := tx.ExecContext(ctx, `/* cases.rateLink */ UPDATE cases SET rate_token = ?, rate_link = ? WHERE id = ?`, h, sealed, c.ID); err != nil {
				return "", err
			}
		}
	case "suspend":
		c.ResumeStatus = c.Status
		c.Status = Suspended
		c.Step++
		c.StepStartedAt = now
	case "resume":
		// The working time spent suspended is added to the deadlines.
		paused := cal.Between(c.StepStartedAt, now)
		shift := func(t *time.Time) *time.Time {
			if t == nil {
				return nil
			}
			u := cal.AddHours(*t, paused).UTC()
			return &u
		}
		c.StepDueAt, c.StepWarnAt, c.HandleDueAt, c.RespondDueAt = shift(c.StepDueAt), shift(c.StepWarnAt), shift(c.HandleDueAt), shift(c.RespondDueAt)
		c.Status, c.ResumeStatus = c.ResumeStatus, ""
		c.Step++
		c.StepStartedAt = now
	case "supervise":
		c.Supervised = true
	case "reopen":
		if c.UnitKind == "" {
			return "", errs.E(errs.Conflict, "err.case_move", m.Action, string(c.Status))
		}
		c.Rework++
		c.ClosedAt, c.HandledAt, c.Resolved, c.Satisfaction, c.RatedAt = nil, nil, nil, "", nil
		s.enter(c, cg, Dispatched, now)
	}
	if len(detail) == 0 {
		return "", nil
	}
	b, _ := json.Marshal(detail)
	return string(b), nil
}

// setUnit sets the handling unit of a dispatch: the community of the
// case, a department serving its area, or a property company by name.
func (s *Service) setUnit(ctx context.Context, tx *db.Tx, c *Case, m Move) error {
	switch m.UnitKind {
	case UnitCommunity:
		c.DeptID, c.UnitKind, c.UnitName = 0, UnitCommunity, communityOf(c.RegionCode)
	case UnitDepartment:
		d, err := s.deps.Territory.DepartmentServing(ctx, c.RegionCode, m.DeptID)
		if err != nil {
			return errs.Field("dept_id", "rule.department", strconv.FormatInt(m.DeptID, 10))
		}
		c.DeptID, c.UnitKind, c.UnitName = d.ID, UnitDepartment, d.Name
	case UnitProperty:
		name := strings.TrimSpace(m.UnitName)
		if name == "" {
			return errs.Field("unit_name", "rule.required", "")
		}
		if utf8.RuneCountInString(name) > 100 {
			return errs.Field("unit_name", "rule.length", "1–100")
		}
		c.DeptID, c.UnitKind, c.UnitName = 0, UnitProperty, name
	default:
		return errs.Field("unit_kind", "rule.one_of", "community, department, property")
	}
	return nil
}

// communityOf is the community code of a grid or community code.
func communityOf(region string) string {
	if len(region) > 12 {
		return region[:12]
	}
	return region
}

// RateInput is the reporter's verdict on a closed case.
type RateInput struct {
	Resolved     bool   `json:"resolved"`
	Satisfaction string `json:"satisfaction" doc:"very_satisfied, satisfied, basic or unsatisfied"`
	Note         string `json:"note,omitempty"`
	Via          string `json:"-"`
}

// Rate records the reporter's verdict on case id: by the reporter
// signed in, by the link sent at closing (token), or by staff from a
// call-back. "Unresolved" sends the case back to its handling unit.
func (s *Service) Rate(ctx context.Context, id int64, token string, in RateInput) (*Case, error) {
	if !slices.Contains(Satisfactions, in.Satisfaction) {
		return nil, errs.Field("satisfaction", "rule.one_of", strings.Join(Satisfactions, ", "))
	}
	var fe errs.Fields
	if in.Note = text.BlockField(&fe, "note", in.Note); fe != nil {
		return nil, fe.Err()
	}
	if utf8.RuneCountInString(in.Note) > 500 {
		return nil, errs.Field("note", "rule.max_length", "500")
	}
	var out *Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var c *Case
		var err error
		a := authz.ActorFrom(ctx)
		switch {
		case token != "":
			if c, err = caseByRateToken(ctx, tx, token); err != nil {
				return err
			}
			in.Via = "link"
		case a != nil:
			if c, err = findCase(ctx, tx, accessOf(authz.ActorFrom(ctx)), id); err != nil {
				return err
			}
			if in.Via, err = RateVia(a, c); err != nil {
				return err
			}
		default:
			return errs.E(errs.Unauthorized, "err.unauthorized")
		}
		if in.Via == "link" {
			if c.RatedAt != nil && c.Status == Closed {
				return errs.E(errs.Conflict, "err.rate_done", c.Number)
			}
			if c.Status != Closed {
				return errs.E(errs.Conflict, "err.case_move", "rate", string(c.Status))
			}
		}
		before := *c
		now := tx.Now()
		c.Resolved, c.Satisfaction, c.RatedAt = &in.Resolved, in.Satisfaction, &now
		action, from := "rate", c.Status
		if !in.Resolved && c.UnitKind != "" {
			// Not resolved: back to the unit that handled it (rework).
			cat, err := s.Catalogue(ctx, c.CatalogueVersion)
			if err != nil {
				return err
			}
			cg, _ := cat.Get(c.Category)
			c.Rework++
			c.ClosedAt, c.HandledAt = nil, nil
			s.enter(c, cg, Dispatched, now)
			action = "rate_reopen"
			if err := recount(ctx, tx, c, from); err != nil {
				return err
			}
		}
		// The link stays known, so that it says the case was rated; a new
		// closing after rework issues a new one.
		if _, err := tx.ExecContext(ctx, `/* cases.rateLink */ UPDATE cases SET rate_link = '' WHERE id = ?`, c.ID); err != nil {
			return err
		}
		if err := updateCase(ctx, tx, c); err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"resolved": in.Resolved, "satisfaction": in.Satisfaction, "via": in.Via})
		ev := &Event{CaseID: c.ID, Action: action, FromStatus: from, ToStatus: c.Status, Note: in.Note, Detail: string(b)}
		if err := insertEvent(ctx, tx, authz.ActorFrom(ctx), ev); err != nil {
			return err
		}
		c.lastEvent = ev.ID
		out = c
		return audit.Record(ctx, tx, audit.Entry{Action: "cases." + action, ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
			Region: c.RegionCode, Before: before, After: c, Detail: map[string]any{"via": in.Via}})
	})
	if err != nil {
		return nil, err
	}
	s.decorate(ctx, out)
	return out, nil
}

// CanCallBack reports whether a may make the call-back of closed case c:
// read its rating link and record the reporter's verdict.
func CanCallBack(a *authz.Actor, c *Case) bool {
	if a == nil || !a.Can(PermManage) || a.Scope.Department != 0 || a.Scope.PropertyOnly {
		return false
	}
	// Subdistricts, communities, departments and property companies are
	// ranked on the satisfaction of their cases: the call-back is made
	// from the district or the city, above every ranked unit.
	return a.Scope.All || len(a.Scope.Home()) <= 6
}

// caseByRateToken reads the case a rating link is about.
func caseByRateToken(ctx context.Context, q db.Querier, token string) (*Case, error) {
	if token == "" {
		return nil, errs.NotFoundf("kind.rate_link")
	}
	return db.One(ctx, q, `/* cases.byRateToken */ SELECT `+caseCols+` FROM cases c WHERE c.rate_token = ?`, []any{hashToken(token)}, scanCase,
		error(errs.NotFoundf("kind.rate_link")))
}

// RateLinkCase is what a rating link's page shows of its case: the number,
// category, the start of its description and the closing, nothing
// personal.
type RateLinkCase struct {
	Number       string
	CategoryName string
	Excerpt      string
	ClosedAt     time.Time
	// RatedAt is when the case was rated by any path, which used the
	// link up; Replaced tells that a closing after rework sent a new
	// link instead of this one.
	RatedAt    *time.Time
	Replaced   bool
	categoryEN string
}

// CategoryLabel is the category's name in lang.
func (r RateLinkCase) CategoryLabel(lang string) string {
	if lang == "en" && r.categoryEN != "" {
		return r.categoryEN
	}
	return r.CategoryName
}

// rateLinkCase is what a rating page shows of c.
func rateLinkCase(c *Case) RateLinkCase {
	out := RateLinkCase{Number: c.Number, CategoryName: c.CategoryName, categoryEN: c.categoryEN, Excerpt: excerpt(c.Description, 60),
		RatedAt: c.RatedAt}
	if c.ClosedAt != nil {
		out.ClosedAt = *c.ClosedAt
	}
	return out
}

// RateLinkFacts returns the case a rating link is about, for its page: a
// link that a closing after rework replaced still names its case, and
// says it was used.
func (s *Service) RateLinkFacts(ctx context.Context, token string) (RateLinkCase, error) {
	c, err := caseByRateToken(ctx, s.db, token)
	if errs.CodeOf(err) == errs.NotFound && token != "" {
		var rated sql.NullTime
		c, err = db.One(ctx, s.db, `/* cases.usedRateToken */ SELECT `+caseCols+`, u.rated_at FROM case_rate_tokens_used u
			JOIN cases c ON c.id = u.case_id WHERE u.token_hash = ?`, []any{hashToken(token)}, func(r db.Scanner) (*Case, error) {
			return scanCaseWith(r, &rated)
		}, error(errs.NotFoundf("kind.rate_link")))
		if err != nil {
			return RateLinkCase{}, err
		}
		s.decorate(ctx, c)
		out := rateLinkCase(c)
		out.RatedAt, out.Replaced = tp(rated), true
		return out, nil
	}
	if err != nil {
		return RateLinkCase{}, err
	}
	s.decorate(ctx, c)
	return rateLinkCase(c), nil
}

// RateLink returns the reporter's rating link of closed case id for the
// call-back, with the case; only CanCallBack staff get it, and every read
// is audited.
func (s *Service) RateLink(ctx context.Context, id int64) (string, *Case, error) {
	a := authz.ActorFrom(ctx)
	c, err := findCase(ctx, s.db, accessOf(a), id)
	if err != nil {
		return "", nil, err
	}
	if !CanCallBack(a, c) {
		return "", nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	if c.rateLink == "" || c.Status != Closed || c.RatedAt != nil {
		return "", nil, errs.NotFoundf("kind.rate_link")
	}
	tok, err := s.deps.Keys.Decrypt(c.rateLink)
	if err != nil {
		return "", nil, err
	}
	s.decorate(ctx, c)
	err = audit.RecordRead(ctx, s.db, audit.Entry{Action: "cases.rate_link.read", ObjectType: "case", ObjectID: strconv.FormatInt(id, 10), Region: c.RegionCode})
	// A link to send: absolute where the site's public address is known.
	return strings.TrimRight(s.site().PublicURL, "/") + "/rate/" + tok, c, err
}
