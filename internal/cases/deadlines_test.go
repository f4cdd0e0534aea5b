package cases_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"grassroots/internal/app"
	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestDeadlines checks the working-day clock: an overdue step is flagged,
// listed and pushed once, and the deadline survives a restart.
func TestDeadlines(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("grid"), map[string]any{"category": "0101", "description": "垃圾桶满溢无人清运", "lon": p[0], "lat": p[1]})
	c := in.Case
	if c.Status != cases.Accepted || c.Channel != cases.ChannelPatrol {
		t.Fatalf("patrol report: %+v", c)
	}
	sec := e.Login("secretary")
	cs := MustMove(t, sec, c.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	cs = MustMove(t, sec, c.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "community"}, 200)
	// Exposed rubbish: one working day, Thursday 10:00 → Friday 17:00 CST.
	if want := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC); !cs.HandleDueAt.Equal(want) {
		t.Fatalf("handle due %v, want %v", cs.HandleDueAt, want)
	}
	if n, err := e.App.Cases.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep before anything is due: %d, %v", n, err)
	}
	if cs.StepWarnAt == nil || !cs.StepWarnAt.Equal(time.Date(2026, 11, 27, 5, 45, 0, 0, time.UTC)) {
		t.Errorf("warning from %v, want Friday 13:45 CST (three quarters of 13 working hours)", cs.StepWarnAt)
	}
	// Friday 15:00 CST: in the last quarter of the working time.
	e.Clock.Add(29 * time.Hour)
	if n, _ := e.App.Cases.Sweep(context.Background()); n != 1 {
		t.Fatalf("about-to-be-overdue notices: %d", n)
	}
	// Saturday: overdue; the weekend is not working time but the deadline passed.
	e.Clock.Add(20 * time.Hour)
	if n, _ := e.App.Cases.Sweep(context.Background()); n != 1 {
		t.Fatalf("overdue notices: %d", n)
	}
	if n, _ := e.App.Cases.Sweep(context.Background()); n != 0 {
		t.Fatalf("a second sweep pushed again: %d", n)
	}
	var ns []cases.Notice
	sec = e.Login("secretary") // the clock moved past the session's idle time
	sec.Get("/api/v1/case-notices").JSON(t, &ns)
	if len(ns) != 2 || ns[0].Kind != "overdue" || ns[1].Kind != "due_soon" {
		t.Fatalf("notices: %+v", ns)
	}
	var st cases.Stats
	sec.Get("/api/v1/case-stats").JSON(t, &st)
	if st.Overdue != 1 || st.DueSoon != 0 || st.DueCountedAt == nil {
		t.Errorf("dashboard after the sweep: overdue %d, due soon %d, counted %v", st.Overdue, st.DueSoon, st.DueCountedAt)
	}
	if r := e.Login("worker").Get("/api/v1/case-notices"); r.StatusCode != 200 || strings.Contains(r.Body, c.Number) {
		t.Errorf("another community sees the notices: %d %s", r.StatusCode, r.Body)
	}
	// A new application on the same database (a restart) lists it overdue.
	a2, err := app.New(context.Background(), e.App.DB, app.Options{Config: app.Config{SessionIdle: time.Hour, SessionMax: time.Hour}, Keys: e.Keys, Log: e.App.Log})
	if err != nil {
		t.Fatal(err)
	}
	f, err := a2.Cases.Cases(e.As("secretary"), cases.Filter{View: "overdue"})
	if err != nil || len(f) != 1 || f[0].ID != c.ID {
		t.Fatalf("overdue after restart: %v %+v", err, f)
	}
	// Suspending stops the clock; resuming adds the working time suspended.
	cs = MustMove(t, sec, c.ID, cases.Move{Action: "suspend", Version: cs.Version, Note: "等待物业配合"}, 200)
	e.Clock.Add(48 * time.Hour) // Saturday 11:00 → Monday 11:00 CST: two working hours suspended
	sec = e.Login("secretary")
	cs = MustMove(t, sec, c.ID, cases.Move{Action: "resume", Version: cs.Version}, 200)
	if want := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC); !cs.HandleDueAt.Equal(want) {
		t.Errorf("deadline after a suspension over the weekend: %v, want %v", cs.HandleDueAt, want)
	}
}
