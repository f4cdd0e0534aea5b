package volunteer

import (
	"context"
	"database/sql"
	"errors"
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
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// RegistrationMonths is how long a confirmed registration lasts before
// the member registers again (佛山: every half year).
const RegistrationMonths = 6

// The statuses of a registration. Stored; do not rename.
const (
	Pending   = "pending"
	Confirmed = "confirmed"
)

// Registration is a member's 报到 with a community.
type Registration struct {
	ID            int64      `json:"id"`
	UserID        int64      `json:"user_id"`
	Name          string     `json:"name"`
	CommunityCode string     `json:"community_code"`
	CommunityName string     `json:"community_name"`
	Workplace     string     `json:"workplace" doc:"the member's workplace Party organisation"`
	Skills        string     `json:"skills,omitempty"`
	Categories    []string   `json:"categories" doc:"service categories offered"`
	Availability  string     `json:"availability,omitempty" doc:"when the member is free, in their words"`
	Status        string     `json:"status" doc:"pending or confirmed"`
	GridCode      string     `json:"grid_code,omitempty"`
	GridName      string     `json:"grid_name,omitempty"`
	RegisteredAt  time.Time  `json:"registered_at"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	ConfirmedBy   string     `json:"confirmed_by,omitempty"`
	ExpiresOn     string     `json:"expires_on,omitempty" doc:"YYYY-MM-DD: register again after it"`
}

// Expired: a confirmed registration past its date, due again.
func (r Registration) Expired(today string) bool { return r.ExpiresOn != "" && r.ExpiresOn < today }

// RegistrationInput is what a member gives when they register.
type RegistrationInput struct {
	Workplace    string   `json:"workplace"`
	Skills       string   `json:"skills,omitempty"`
	Categories   []string `json:"categories"`
	Availability string   `json:"availability,omitempty"`
}

const regCols = `r.id, r.user_id, r.user_name, r.community_code, r.workplace, r.skills, r.categories, r.availability, r.status,
	COALESCE(r.grid_code, ''), r.registered_at, r.confirmed_at, r.confirmed_by, r.expires_on`

func scanRegistration(row db.Scanner) (Registration, error) {
	var r Registration
	var cats string
	var confirmed *time.Time
	err := row.Scan(&r.ID, &r.UserID, &r.Name, &r.CommunityCode, &r.Workplace, &r.Skills, &cats, &r.Availability, &r.Status,
		&r.GridCode, &r.RegisteredAt, &confirmed, &r.ConfirmedBy, &r.ExpiresOn)
	r.Categories = strings.Split(cats, ",")
	r.RegisteredAt = r.RegisteredAt.UTC()
	if confirmed != nil {
		c := confirmed.UTC()
		r.ConfirmedAt = &c
	}
	return r, err
}

// Register files (or files again) the actor's registration with the
// community where they live, their account's community. A registration
// filed again waits for the community's confirmation anew.
func (s *Service) Register(ctx context.Context, actor *authz.Actor, in RegistrationInput) (Registration, error) {
	if actor == nil || actor.UserID == 0 || len(actor.Scope.Region) < 12 {
		return Registration{}, errs.E(errs.Forbidden, "err.vol_member_only")
	}
	community := actor.Scope.Region[:12]
	var fe errs.Fields
	in.Workplace = text.LineField(&fe, "workplace", in.Workplace)
	in.Skills = text.LineField(&fe, "skills", in.Skills)
	in.Availability = text.LineField(&fe, "availability", in.Availability)
	if in.Workplace == "" {
		fe.Add("workplace", "rule.required", "")
	}
	for _, f := range []struct{ name, v string }{{"workplace", in.Workplace}, {"skills", in.Skills}, {"availability", in.Availability}} {
		if utf8.RuneCountInString(f.v) > MaxPlace {
			fe.Add(f.name, "rule.max_length", strconv.Itoa(MaxPlace))
		}
	}
	cats := slices.Compact(slices.Sorted(slices.Values(in.Categories)))
	if len(cats) == 0 {
		fe.Add("services", "rule.vol_categories", "")
	}
	for _, c := range cats {
		if !slices.Contains(Categories, c) {
			fe.Add("services", "rule.one_of", strings.Join(Categories, ", "))
			break
		}
	}
	if err := fe.Err(); err != nil {
		return Registration{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		err := tx.QueryRowContext(ctx, `/* volunteer.register */ INSERT INTO volunteer_registrations (user_id, user_name, community_code, workplace, skills,
			categories, availability, status, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)
			ON CONFLICT (user_id, community_code) DO UPDATE SET user_name = excluded.user_name, workplace = excluded.workplace, skills = excluded.skills,
			categories = excluded.categories, availability = excluded.availability, status = 'pending', registered_at = excluded.registered_at
			RETURNING id`, actor.UserID, actor.DisplayName, community, in.Workplace, in.Skills, strings.Join(cats, ","), in.Availability, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("volunteer: register: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.register", ObjectType: "volunteer_registration", ObjectID: strconv.FormatInt(id, 10),
			Region: community, Detail: map[string]any{"workplace": in.Workplace, "categories": cats}})
	})
	if err != nil {
		return Registration{}, err
	}
	return s.registration(ctx, id)
}

func (s *Service) registration(ctx context.Context, id int64) (Registration, error) {
	r, err := scanRegistration(s.db.QueryRowContext(ctx, `/* volunteer.registration */ SELECT `+regCols+` FROM volunteer_registrations r WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("kind.vol_registration")
	}
	if err != nil {
		return r, fmt.Errorf("volunteer: registration %d: %w", id, err)
	}
	rs := []Registration{r}
	return rs[0], s.nameRegistrations(ctx, rs)
}

func (s *Service) nameRegistrations(ctx context.Context, rs []Registration) error {
	return named(ctx, s, rs, func(r *Registration) []string {
		if r.GridCode == "" {
			return []string{r.CommunityCode}
		}
		return []string{r.CommunityCode, r.GridCode}
	}, func(r *Registration, names map[string]string) {
		r.CommunityName, r.GridName = names[r.CommunityCode], names[r.GridCode]
	})
}

// MyRegistration is the actor's own registration with their community,
// nil when they have not registered.
func (s *Service) MyRegistration(ctx context.Context, actor *authz.Actor) (*Registration, error) {
	if actor == nil || len(actor.Scope.Region) < 12 {
		return nil, nil
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM volunteer_registrations WHERE user_id = ? AND community_code = ?`, actor.UserID, actor.Scope.Region[:12]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("volunteer: my registration: %w", err)
	}
	r, err := s.registration(ctx, id)
	return &r, err
}

// Registrations lists the registrations of the scope's area, newest
// first, with the total; status narrows them (pending, confirmed,
// expired).
func (s *Service) Registrations(ctx context.Context, sc authz.Scope, status string, afterID int64, limit int) (web.List[Registration], error) {
	if status != "" && !slices.Contains([]string{Pending, Confirmed, "expired"}, status) {
		return web.List[Registration]{}, errs.Field("status", "rule.one_of", "pending, confirmed, expired")
	}
	if limit <= 0 || limit > web.MaxLimit {
		limit = 50
	}
	today := s.db.Now().In(workday.CST).Format(time.DateOnly)
	where := func(qb *db.Query) *db.Query {
		qb.Scope(sc, "r.community_code", "")
		if sc.Department != 0 || sc.GridsOnly {
			qb.And("1 = 0")
		}
		switch status {
		case Pending:
			qb.And("r.status = 'pending'")
		case Confirmed:
			qb.And("r.status = 'confirmed' AND r.expires_on >= ?", today)
		case "expired":
			qb.And("r.status = 'confirmed' AND r.expires_on < ?", today)
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "volunteer.registrations", regCols, ` FROM volunteer_registrations r`, "r.id", where, afterID, limit, scanRegistration,
		func(r Registration) int64 { return r.ID })
	if err != nil {
		return l, err
	}
	return l, s.nameRegistrations(ctx, l.Items)
}

// Confirm is the community's confirmation of a registration of its own,
// placing the member in one of its grids; it lasts RegistrationMonths.
func (s *Service) Confirm(ctx context.Context, sc authz.Scope, id int64, grid string) (Registration, error) {
	r, err := s.registration(ctx, id)
	if err != nil {
		return r, err
	}
	if sc.Department != 0 || sc.GridsOnly || !sc.Contains(r.CommunityCode) {
		return Registration{}, errs.NotFoundf("kind.vol_registration")
	}
	grid = strings.TrimSpace(grid)
	if grid == "" {
		return Registration{}, errs.Field("grid", "rule.required", "")
	}
	grids, err := s.deps.Territory.UnscopedGrids(ctx, territory.GridFilter{Region: r.CommunityCode, Limit: 1000})
	if err != nil {
		return Registration{}, err
	}
	if !slices.ContainsFunc(grids, func(g territory.Grid) bool { return g.Code == grid }) {
		return Registration{}, errs.Field("grid", "rule.vol_grid", "")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		expires := now.In(workday.CST).AddDate(0, RegistrationMonths, 0).Format(time.DateOnly)
		res, err := tx.ExecContext(ctx, `/* volunteer.confirm */ UPDATE volunteer_registrations SET status = 'confirmed', grid_code = ?, confirmed_at = ?,
			confirmed_by = ?, expires_on = ? WHERE id = ? AND status = 'pending'`, grid, now, actorName(authz.ActorFrom(ctx)), expires, id)
		if err != nil {
			return fmt.Errorf("volunteer: confirm %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.vol_confirmed")
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.confirm", ObjectType: "volunteer_registration", ObjectID: strconv.FormatInt(id, 10),
			Region: r.CommunityCode, Detail: map[string]any{"member": r.Name, "grid": grid}})
	})
	if err != nil {
		return Registration{}, err
	}
	return s.registration(ctx, id)
}
