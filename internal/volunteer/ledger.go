package volunteer

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/workday"
)

// The yearly expectation and pass mark (邢台桥西): 50 verified hours, 60
// points; a verified hour earns PointsPerHour.
const (
	YearHours     = 50
	YearPoints    = 60
	PointsPerHour = 1.2
)

// Entry is a line of a member's ledger.
type Entry struct {
	ID         int64     `json:"id"`
	ActivityID int64     `json:"activity_id,omitempty"`
	Minutes    int       `json:"minutes"`
	Points     float64   `json:"points"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
	RecordedBy string    `json:"recorded_by"`
}

// Year is a member's ledger of a year with its sums against the year's
// expectation.
type Year struct {
	Year       int     `json:"year"`
	Entries    []Entry `json:"entries"`
	Minutes    int     `json:"minutes"`
	Points     float64 `json:"points"`
	Hours      float64 `json:"hours"`
	YearHours  int     `json:"year_hours" doc:"the hours expected in a year"`
	YearPoints int     `json:"year_points" doc:"the points to pass"`
}

// ConfirmAttendance is the organiser's word on an activity's attendance,
// once it has ended: each member's verified minutes go to their ledger,
// with the activity as the reason; flagged stays add nothing. Once only.
func (s *Service) ConfirmAttendance(ctx context.Context, sc authz.Scope, id int64) (Attendance, error) {
	att, err := s.Attendance(ctx, sc, id)
	if err != nil {
		return att, err
	}
	a := att.Activity
	if s.db.Now().Before(a.EndsAt) {
		return att, errs.E(errs.Conflict, "err.vol_not_ended")
	}
	by := actorName(authz.ActorFrom(ctx))
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		res, err := tx.ExecContext(ctx, `/* volunteer.confirmAttendance */ UPDATE volunteer_activities SET confirmed_at = ?, confirmed_by = ? WHERE id = ? AND confirmed_at IS NULL`,
			now, by, a.ID)
		if err != nil {
			return fmt.Errorf("volunteer: confirm attendance %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.vol_attendance_confirmed")
		}
		var rows [][]any
		for _, st := range att.Stays {
			if st.Minutes == 0 {
				continue
			}
			pts := math.Round(float64(st.Minutes)/60*PointsPerHour*10) / 10
			rows = append(rows, []any{st.UserID, st.Name, a.CommunityCode, a.ID, st.Minutes, pts, a.Title, now, by})
		}
		if err := tx.InsertRows(ctx, "volunteer_ledger", []string{"user_id", "user_name", "community_code", "activity_id", "minutes", "points", "reason", "at", "recorded_by"},
			rows, 200); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.attendance.confirm", ObjectType: "volunteer_activity", ObjectID: strconv.FormatInt(a.ID, 10),
			Region: a.CommunityCode, Detail: map[string]any{"title": a.Title, "counted_minutes": att.Counted, "members": len(rows), "flagged": att.Flagged}})
	})
	if err != nil {
		return att, err
	}
	return s.Attendance(ctx, sc, id)
}

// MyYear is the actor's own ledger of the year of at.
func (s *Service) MyYear(ctx context.Context, actor *authz.Actor, at time.Time) (Year, error) {
	y := Year{Year: at.In(workday.CST).Year(), Entries: []Entry{}, YearHours: YearHours, YearPoints: YearPoints}
	if actor == nil || actor.UserID == 0 {
		return y, nil
	}
	from := time.Date(y.Year, 1, 1, 0, 0, 0, 0, workday.CST)
	entries, err := db.Collect(ctx, s.db, `/* volunteer.myYear */ SELECT id, COALESCE(activity_id, 0), minutes, points, reason, at, recorded_by FROM volunteer_ledger
		WHERE user_id = ? AND at >= ? AND at < ? ORDER BY at, id`, []any{actor.UserID, from, from.AddDate(1, 0, 0)}, func(r db.Scanner) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.ActivityID, &e.Minutes, &e.Points, &e.Reason, &e.At, &e.RecordedBy)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return y, fmt.Errorf("volunteer: ledger of %d: %w", actor.UserID, err)
	}
	for _, e := range entries {
		y.Minutes += e.Minutes
		y.Points += e.Points
	}
	if entries != nil {
		y.Entries = entries
	}
	y.Points = math.Round(y.Points*10) / 10
	y.Hours = math.Round(float64(y.Minutes)/60*10) / 10
	return y, nil
}
