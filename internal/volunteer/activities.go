package volunteer

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/attendance"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
)

// ActivityInput is what an organiser gives of an activity.
type ActivityInput struct {
	Community string   `json:"community,omitempty" doc:"the community; a community's staff: their own"`
	Title     string   `json:"title"`
	Category  string   `json:"category"`
	Place     string   `json:"place"`
	Lat       *float64 `json:"lat,omitempty"`
	Lon       *float64 `json:"lon,omitempty"`
	Radius    int      `json:"radius,omitempty" doc:"metres, 20–2000; 200 by default"`
	StartsAt  string   `json:"starts_at" doc:"YYYY-MM-DDTHH:MM, China time"`
	EndsAt    string   `json:"ends_at" doc:"YYYY-MM-DDTHH:MM, China time"`
	Capacity  int      `json:"capacity"`
	MinStay   int      `json:"min_stay,omitempty" doc:"minutes; 30 by default"`
}

const localForm = "2006-01-02T15:04"

func (in *ActivityInput) check(now time.Time) (start, end time.Time, err error) {
	var fe errs.Fields
	in.Title = text.LineField(&fe, "title", in.Title)
	in.Place = text.LineField(&fe, "place", in.Place)
	switch {
	case in.Title == "":
		fe.Add("title", "rule.required", "")
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		fe.Add("title", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	switch {
	case in.Place == "":
		fe.Add("place", "rule.required", "")
	case utf8.RuneCountInString(in.Place) > MaxPlace:
		fe.Add("place", "rule.max_length", strconv.Itoa(MaxPlace))
	}
	if !slices.Contains(Categories, in.Category) {
		fe.Add("category", "rule.one_of", strings.Join(Categories, ", "))
	}
	if (in.Lat == nil) != (in.Lon == nil) {
		fe.Add("venue", "rule.vol_point_whole", "")
	} else if in.Lat != nil && (math.IsNaN(*in.Lat) || math.IsNaN(*in.Lon) || *in.Lat < -90 || *in.Lat > 90 || *in.Lon < -180 || *in.Lon > 180) {
		fe.Add("venue", "rule.vol_point", "")
	}
	if in.Radius == 0 {
		in.Radius = DefaultRadius
	}
	if in.Radius < 20 || in.Radius > 2000 {
		fe.Add("radius", "rule.range", "20–2000")
	}
	if in.MinStay == 0 {
		in.MinStay = 30
	}
	if in.MinStay < 1 || in.MinStay > 24*60 {
		fe.Add("min_stay", "rule.range", "1–1440")
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		fe.Add("capacity", "rule.range", "1–"+strconv.Itoa(MaxCapacity))
	}
	start, err1 := time.ParseInLocation(localForm, in.StartsAt, workday.CST)
	end, err2 := time.ParseInLocation(localForm, in.EndsAt, workday.CST)
	switch {
	case err1 != nil:
		fe.Add("starts_at", "rule.vol_time", "YYYY-MM-DDTHH:MM")
	case start.Before(now.Add(-24 * time.Hour)):
		fe.Add("starts_at", "rule.vol_not_past", "")
	}
	switch {
	case err2 != nil:
		fe.Add("ends_at", "rule.vol_time", "YYYY-MM-DDTHH:MM")
	case err1 == nil && !end.After(start):
		fe.Add("ends_at", "rule.vol_end_after_start", "")
	case err1 == nil && end.Sub(start) > 24*time.Hour:
		fe.Add("ends_at", "rule.vol_one_day", "")
	}
	return start.UTC(), end.UTC(), fe.Err()
}

// CreateActivity organises an activity in a community of the scope.
func (s *Service) CreateActivity(ctx context.Context, sc authz.Scope, in ActivityInput) (Activity, error) {
	if in.Community == "" && len(sc.Region) == 12 {
		in.Community = sc.Region
	}
	start, end, err := in.check(s.db.Now())
	var fe errs.Fields
	if err != nil {
		fe = errs.As(err).Fields
	}
	if len(in.Community) != 12 || !sc.Contains(in.Community) || sc.Department != 0 {
		fe.Add("community", "rule.out_of_scope", "")
	}
	if err := fe.Err(); err != nil {
		return Activity{}, err
	}
	key, err := s.deps.Keys.Encrypt(base64.StdEncoding.EncodeToString(attendance.NewKey()))
	if err != nil {
		return Activity{}, fmt.Errorf("volunteer: seal key: %w", err)
	}
	a := authz.ActorFrom(ctx)
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `/* volunteer.create */ INSERT INTO volunteer_activities (community_code, title, category, place, lat, lon, radius,
			starts_at, ends_at, capacity, min_stay, key_enc, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Community, in.Title, in.Category, in.Place, in.Lat, in.Lon, in.Radius, start, end, in.Capacity, in.MinStay, key, actorName(a), tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("volunteer: create activity: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.activity.create", ObjectType: "volunteer_activity", ObjectID: strconv.FormatInt(id, 10),
			Region: in.Community, Detail: map[string]any{"title": in.Title, "starts_at": in.StartsAt, "place": in.Place}})
	})
	if err != nil {
		return Activity{}, err
	}
	return s.Activity(ctx, sc, id)
}

const activityCols = `a.id, a.community_code, a.title, a.category, a.place, a.lat, a.lon, a.radius, a.starts_at, a.ends_at, a.capacity, a.min_stay,
	a.created_by, a.created_at, a.confirmed_at, a.confirmed_by, a.key_enc`

func scanActivity(r db.Scanner) (Activity, error) {
	var a Activity
	err := r.Scan(&a.ID, &a.CommunityCode, &a.Title, &a.Category, &a.Place, &a.Lat, &a.Lon, &a.Radius, &a.StartsAt, &a.EndsAt, &a.Capacity, &a.MinStay,
		&a.CreatedBy, &a.CreatedAt, &a.ConfirmedAt, &a.ConfirmedBy, &a.keyEnc)
	a.StartsAt, a.EndsAt, a.CreatedAt = a.StartsAt.UTC(), a.EndsAt.UTC(), a.CreatedAt.UTC()
	if a.ConfirmedAt != nil {
		c := a.ConfirmedAt.UTC()
		a.ConfirmedAt = &c
	}
	return a, err
}

func (s *Service) unscopedActivity(ctx context.Context, id int64) (Activity, error) {
	a, err := scanActivity(s.db.QueryRowContext(ctx, `/* volunteer.activity */ SELECT `+activityCols+` FROM volunteer_activities a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.NotFoundf("kind.vol_activity")
	}
	if err != nil {
		return a, fmt.Errorf("volunteer: activity %d: %w", id, err)
	}
	return a, nil
}

// Activity is one activity of the scope's area.
func (s *Service) Activity(ctx context.Context, sc authz.Scope, id int64) (Activity, error) {
	a, err := s.unscopedActivity(ctx, id)
	if err != nil {
		return a, err
	}
	if sc.Department != 0 || !sc.Contains(a.CommunityCode) {
		return Activity{}, errs.NotFoundf("kind.vol_activity")
	}
	as := []Activity{a}
	return as[0], s.name(ctx, as)
}

func (s *Service) name(ctx context.Context, as []Activity) error {
	return named(ctx, s, as, func(a *Activity) []string { return []string{a.CommunityCode} },
		func(a *Activity, names map[string]string) { a.CommunityName = names[a.CommunityCode] })
}

// named names the divisions each item holds: codes are an item's, set
// writes their names into it.
func named[T any](ctx context.Context, s *Service, items []T, codes func(*T) []string, set func(*T, map[string]string)) error {
	var all []string
	for i := range items {
		all = append(all, codes(&items[i])...)
	}
	if len(all) == 0 {
		return nil
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, all)
	for i := range items {
		set(&items[i], names)
	}
	return err
}

// Activities lists the activities of the scope's area, newest first,
// with the total; upcoming keeps those not yet ended.
func (s *Service) Activities(ctx context.Context, sc authz.Scope, upcoming bool, afterID int64, limit int) (web.List[Activity], error) {
	if limit <= 0 || limit > web.MaxLimit {
		limit = 50
	}
	now := s.db.Now()
	where := func(qb *db.Query) *db.Query {
		qb.Scope(sc, "a.community_code", "")
		if sc.Department != 0 {
			qb.And("1 = 0")
		}
		if upcoming {
			qb.And("a.ends_at >= ?", now)
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "volunteer.activities", activityCols, ` FROM volunteer_activities a`, "a.id", where, afterID, limit, scanActivity,
		func(a Activity) int64 { return a.ID })
	if err != nil {
		return l, err
	}
	return l, s.name(ctx, l.Items)
}

// key opens the activity's check-in key.
func (s *Service) key(a Activity) ([]byte, error) {
	plain, err := s.deps.Keys.Decrypt(a.keyEnc)
	if err != nil {
		return nil, fmt.Errorf("volunteer: open key of %d: %w", a.ID, err)
	}
	return base64.StdEncoding.DecodeString(plain)
}

// Code is what the organiser's phone shows now: the code, the link a QR
// carries (the site's address when it is set) and when the next code
// replaces it.
type Code struct {
	Code  string    `json:"code"`
	Link  string    `json:"link" doc:"the check-in page with the code, for the QR"`
	Until time.Time `json:"until"`
}

// CurrentCode is the activity's code shown now, to its organisers.
func (s *Service) CurrentCode(ctx context.Context, sc authz.Scope, id int64) (Code, error) {
	a, err := s.Activity(ctx, sc, id)
	if err != nil {
		return Code{}, err
	}
	k, err := s.key(a)
	if err != nil {
		return Code{}, err
	}
	now := s.db.Now()
	c := attendance.Code(k, a.ID, now)
	base := ""
	if s.deps.PublicURL != nil {
		base = strings.TrimRight(s.deps.PublicURL(), "/")
	}
	return Code{Code: c, Link: base + "/checkin?c=" + c, Until: attendance.StepEnds(now).UTC()}, nil
}
