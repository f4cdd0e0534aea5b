package volunteer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/attendance"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// CheckInInput is a scan of an activity's code by a member's phone.
type CheckInInput struct {
	Code string `json:"code"`
	// Lat, Lon and Accuracy are where the phone says it is, when it says.
	Lat      *float64 `json:"lat,omitempty"`
	Lon      *float64 `json:"lon,omitempty"`
	Accuracy float64  `json:"accuracy,omitempty" doc:"metres"`
	// Device identifies the phone (the page's own random id for it).
	Device string `json:"device,omitempty"`
}

// CheckIn is a scan recorded: the member checked in or out.
type CheckIn struct {
	ActivityID int64     `json:"activity_id"`
	Title      string    `json:"title"`
	Out        bool      `json:"out" doc:"true: a check-out"`
	At         time.Time `json:"at"`
	// Metres from the venue's point, when both are known.
	Metres *float64 `json:"metres,omitempty"`
}

// codeRules are the field errors of a code refused.
var codeRules = map[error]string{
	attendance.ErrMalformed: "rule.vol_code_malformed",
	attendance.ErrForged:    "rule.vol_code_forged",
	attendance.ErrOther:     "rule.vol_code_forged",
	attendance.ErrExpired:   "rule.vol_code_expired",
	attendance.ErrEarly:     "rule.vol_code_forged",
}

// Scan checks in (or, checked in, out) the actor at the activity whose
// code they scanned: a code of this step or the one before, made by the
// activity's key; inside the venue's fence when the phone gives its
// position; once in and once out. Anything else is refused with its
// reason and nothing is counted.
func (s *Service) Scan(ctx context.Context, actor *authz.Actor, in CheckInInput) (CheckIn, error) {
	if actor == nil || actor.UserID == 0 {
		return CheckIn{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	code := strings.ToUpper(strings.TrimSpace(in.Code))
	occ, err := attendance.Occasion(code)
	if err != nil {
		return CheckIn{}, errs.Field("code", codeRules[attendance.ErrMalformed], "")
	}
	a, err := s.unscopedActivity(ctx, occ)
	if errs.CodeOf(err) == errs.NotFound {
		// No activity of that number: as a forged code, not a lookup.
		return CheckIn{}, errs.Field("code", "rule.vol_code_forged", "")
	}
	if err != nil {
		return CheckIn{}, err
	}
	k, err := s.key(a)
	if err != nil {
		return CheckIn{}, err
	}
	now := s.db.Now()
	if _, err := attendance.Verify(k, a.ID, code, now); err != nil {
		for e, rule := range codeRules {
			if errors.Is(err, e) {
				return CheckIn{}, errs.Field("code", rule, "")
			}
		}
		return CheckIn{}, err
	}
	out := CheckIn{ActivityID: a.ID, Title: a.Title, At: now.UTC()}
	var lat, lon, acc any
	if in.Lat != nil && in.Lon != nil {
		if math.IsNaN(*in.Lat) || math.IsNaN(*in.Lon) || math.Abs(*in.Lat) > 90 || math.Abs(*in.Lon) > 180 || math.IsNaN(in.Accuracy) || in.Accuracy < 0 {
			return CheckIn{}, errs.Field("position", "rule.vol_point", "")
		}
		lat, lon, acc = *in.Lat, *in.Lon, in.Accuracy
		if f := fence(a); f != nil {
			ok, d := f.Inside(attendance.Place{Lat: *in.Lat, Lon: *in.Lon}, in.Accuracy)
			out.Metres = &d
			if !ok {
				return CheckIn{}, errs.Field("position", "rule.vol_outside_fence", strconv.Itoa(int(d)))
			}
		}
	}
	device := ""
	if d := strings.TrimSpace(in.Device); d != "" {
		sum := sha256.Sum256([]byte(d))
		device = hex.EncodeToString(sum[:12])
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `/* volunteer.scans */ SELECT COUNT(*) FROM volunteer_scans WHERE activity_id = ? AND user_id = ?`,
			a.ID, actor.UserID).Scan(&n); err != nil {
			return fmt.Errorf("volunteer: scans: %w", err)
		}
		if n >= 2 {
			return errs.E(errs.Conflict, "err.vol_checked_out")
		}
		out.Out = n == 1
		// The unique key refuses a second check-in sent at once.
		res, err := tx.ExecContext(ctx, `/* volunteer.scan */ INSERT INTO volunteer_scans (activity_id, user_id, user_name, is_out, at, device, lat, lon, accuracy)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, a.ID, actor.UserID, actor.DisplayName, out.Out, now, device, lat, lon, acc)
		if err != nil {
			return fmt.Errorf("volunteer: scan: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.vol_checked_out")
		}
		action := "volunteer.checkin"
		if out.Out {
			action = "volunteer.checkout"
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "volunteer_activity", ObjectID: strconv.FormatInt(a.ID, 10),
			Region: a.CommunityCode, Detail: map[string]any{"title": a.Title}})
	})
	return out, err
}

func fence(a Activity) *attendance.Fence {
	if a.Lat == nil || a.Lon == nil {
		return nil
	}
	return &attendance.Fence{Centre: attendance.Place{Lat: *a.Lat, Lon: *a.Lon}, Radius: float64(a.Radius)}
}

func (a Activity) rules() attendance.Rules {
	return attendance.Rules{Start: a.StartsAt, End: a.EndsAt, Grace: Grace, MinStay: time.Duration(a.MinStay) * time.Minute, Fence: fence(a)}
}

// Stay is a member's time at an activity as its organiser sees it.
type Stay struct {
	UserID  int64             `json:"user_id"`
	Name    string            `json:"name"`
	In      time.Time         `json:"in"`
	Out     *time.Time        `json:"out,omitempty"`
	Flags   []attendance.Flag `json:"flags" doc:"no_checkout, short_stay, shared_device, far, outside_window, overlap: not counted until looked at"`
	Minutes int               `json:"minutes" doc:"the verified time that counts"`
	Far     float64           `json:"far_metres,omitempty"`
}

// Attendance is who was at an activity, with the anomalies of each stay.
type Attendance struct {
	Activity Activity `json:"activity"`
	Stays    []Stay   `json:"stays"`
	// Counted is the verified minutes of all the stays that count.
	Counted int `json:"counted_minutes"`
	Flagged int `json:"flagged" doc:"stays with an anomaly"`
}

// Attendance is the activity's stays, for its organisers: each member's
// check-in and check-out with the anomalies they show, overlaps with the
// member's other activities included.
func (s *Service) Attendance(ctx context.Context, sc authz.Scope, id int64) (Attendance, error) {
	a, err := s.Activity(ctx, sc, id)
	if err != nil {
		return Attendance{}, err
	}
	type row struct {
		activity, user int64
		name           string
		out            bool
		at             time.Time
		device         string
		lat, lon, acc  *float64
	}
	scan := func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.activity, &x.user, &x.name, &x.out, &x.at, &x.device, &x.lat, &x.lon, &x.acc)
		return x, err
	}
	// This activity's scans, and its members' scans elsewhere that day.
	rows, err := db.Collect(ctx, s.db, `/* volunteer.attendance */ SELECT activity_id, user_id, user_name, is_out, at, device, lat, lon, accuracy
		FROM volunteer_scans WHERE user_id IN (SELECT user_id FROM volunteer_scans WHERE activity_id = ?) AND at >= ? AND at <= ?
		ORDER BY at`, []any{a.ID, a.StartsAt.Add(-24 * time.Hour), a.EndsAt.Add(24 * time.Hour)}, scan)
	if err != nil {
		return Attendance{}, fmt.Errorf("volunteer: attendance of %d: %w", id, err)
	}
	names := map[int64]string{}
	var here []attendance.Scan
	spans := map[int64]map[int64]*attendance.Span{} // user → activity → span
	for _, x := range rows {
		if x.activity == a.ID {
			names[x.user] = x.name
			sc := attendance.Scan{Person: x.user, Out: x.out, At: x.at.UTC(), Device: x.device}
			if x.lat != nil && x.lon != nil {
				sc.Place = &attendance.Place{Lat: *x.lat, Lon: *x.lon}
				if x.acc != nil {
					sc.Accuracy = *x.acc
				}
			}
			here = append(here, sc)
		}
		if spans[x.user] == nil {
			spans[x.user] = map[int64]*attendance.Span{}
		}
		sp := spans[x.user][x.activity]
		if sp == nil {
			sp = &attendance.Span{Occasion: x.activity}
			spans[x.user][x.activity] = sp
		}
		if x.out {
			sp.Out = x.at.UTC()
		} else {
			sp.In = x.at.UTC()
		}
	}
	rules := a.rules()
	out := Attendance{Activity: a, Stays: []Stay{}}
	for _, st := range attendance.Review(rules, here) {
		var list []attendance.Span
		for _, sp := range spans[st.Person] {
			if !sp.In.IsZero() && !sp.Out.IsZero() {
				list = append(list, *sp)
			}
		}
		if attendance.Overlapping(list)[a.ID] {
			st.Flags = append(st.Flags, attendance.Overlap)
		}
		v := Stay{UserID: st.Person, Name: names[st.Person], In: st.In, Flags: st.Flags, Far: st.Far}
		if v.Flags == nil {
			v.Flags = []attendance.Flag{}
		}
		if !st.Out.IsZero() {
			o := st.Out
			v.Out = &o
		}
		v.Minutes = int(st.Counted(rules) / time.Minute)
		out.Counted += v.Minutes
		if len(v.Flags) > 0 {
			out.Flagged++
		}
		out.Stays = append(out.Stays, v)
	}
	return out, nil
}
