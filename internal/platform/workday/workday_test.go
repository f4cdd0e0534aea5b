package workday

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func shanghai(t *testing.T) *Calendar {
	t.Helper()
	c, err := Shanghai()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(c *Calendar, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsWorkdayFollowsTheStateCouncilArrangement(t *testing.T) {
	c := shanghai(t)
	for _, tc := range []struct {
		date string
		want bool
		why  string
	}{
		{"2026-10-01 10:00", false, "National Day"},
		{"2026-10-07 10:00", false, "last day of the Golden Week"},
		{"2026-10-08 10:00", true, "Thursday after the holiday"},
		{"2026-10-10 10:00", true, "Saturday worked in exchange (调休)"},
		{"2026-10-11 10:00", false, "ordinary Sunday"},
		{"2026-02-14 10:00", true, "Saturday before the Spring Festival"},
		{"2026-02-16 10:00", false, "Spring Festival Monday"},
		{"2026-02-23 10:00", false, "ninth day of the Spring Festival break"},
		{"2025-01-26 10:00", true, "Sunday worked in 2025"},
		{"2026-11-27 10:00", true, "ordinary Friday"},
	} {
		if got := c.IsWorkday(at(c, tc.date)); got != tc.want {
			t.Errorf("%s (%s): working day = %v, want %v", tc.date, tc.why, got, tc.want)
		}
	}
	// The same instant written in UTC is already 1 October in Beijing.
	if c.IsWorkday(time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC)) {
		t.Error("2026-09-30 23:30 UTC is National Day in China, counted as a working day")
	}
}

func TestAddDaysSkipsHolidaysAndCountsAdjustedWeekends(t *testing.T) {
	c := shanghai(t)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-30 10:00", 1, "2026-10-08 17:00"}, // across the Golden Week
		{"2026-09-30 10:00", 3, "2026-10-10 17:00"}, // the worked Saturday counts
		{"2026-02-13 15:00", 1, "2026-02-14 17:00"}, // Friday → worked Saturday
		{"2026-02-13 15:00", 2, "2026-02-24 17:00"}, // then nine days off
		{"2026-11-27 16:30", 1, "2026-11-30 17:00"}, // Friday → Monday
		{"2026-11-27 16:30", 5, "2026-12-04 17:00"},
		{"2026-11-28 09:00", 0, "2026-11-30 17:00"}, // same day, moved off a Saturday
		{"2026-11-26 09:00", 0, "2026-11-26 17:00"},
	} {
		if got := c.AddDays(at(c, tc.from), tc.n); !got.Equal(at(c, tc.want)) {
			t.Errorf("%s + %d working days = %s, want %s", tc.from, tc.n, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
}

func TestAddHoursUsesOfficeHoursOnly(t *testing.T) {
	c := shanghai(t)
	for _, tc := range []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-11-26 10:00", 2 * time.Hour, "2026-11-26 12:00"},
		{"2026-11-26 11:30", time.Hour, "2026-11-26 13:30"},     // lunch does not count
		{"2026-11-26 07:00", time.Hour, "2026-11-26 10:00"},     // the clock starts at 09:00
		{"2026-11-27 16:00", 2 * time.Hour, "2026-11-30 10:00"}, // Friday → Monday
		{"2026-09-30 16:30", time.Hour, "2026-10-08 09:30"},     // across the Golden Week
		{"2026-11-26 20:00", 7 * time.Hour, "2026-11-27 17:00"}, // one full working day
	} {
		if got := c.AddHours(at(c, tc.from), tc.d); !got.Equal(at(c, tc.want)) {
			t.Errorf("%s + %s working = %s, want %s", tc.from, tc.d, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
}

func TestBetweenMeasuresWhatAddHoursAdds(t *testing.T) {
	c := shanghai(t)
	rng := rand.New(rand.NewPCG(1, 2))
	start := at(c, "2025-12-01 00:00")
	for i := 0; i < 2000; i++ {
		from := start.Add(time.Duration(rng.IntN(400*24*60)) * time.Minute)
		d := time.Duration(1+rng.IntN(200*60)) * time.Minute
		to := c.AddHours(from, d)
		if got := c.Between(from, to); got != d {
			t.Fatalf("Between(%s, AddHours(…, %s) = %s) = %s", from, d, to, got)
		}
		if got := c.Between(to, from); got != -d {
			t.Fatalf("Between backwards = %s, want %s", got, -d)
		}
	}
	if got := c.Between(at(c, "2026-10-01 09:00"), at(c, "2026-10-07 17:00")); got != 0 {
		t.Errorf("working time over the Golden Week = %s, want 0", got)
	}
}

func TestArrangementFilesAreConsistent(t *testing.T) {
	c := shanghai(t)
	for _, y := range c.Years() {
		names := map[string]bool{}
		for date, d := range c.days {
			if !strings.HasPrefix(date, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")) {
				continue
			}
			names[d.Name] = true
			day, _ := time.Parse(time.DateOnly, date)
			if d.Work && day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
				t.Errorf("%s: adjusted working day on a %s", date, day.Weekday())
			}
		}
		for _, festival := range []string{"元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆"} {
			found := false
			for n := range names {
				found = found || strings.Contains(n, festival)
			}
			if !found {
				t.Errorf("%d: no %s in the arrangement", y, festival)
			}
		}
	}
	if !c.Covers(2026) {
		t.Fatal("the current year's arrangement is not shipped")
	}
}

func TestUnknownYearFallsBackToWeekdaysAndMergeAddsIt(t *testing.T) {
	c := shanghai(t)
	newYear := at(c, "2031-01-01 10:00") // a Wednesday
	if c.Covers(2031) || !c.IsWorkday(newYear) {
		t.Fatalf("2031 without data: covered %v, 1 January working %v; want false, true", c.Covers(2031), c.IsWorkday(newYear))
	}
	days, err := Parse(strings.NewReader("from,to,kind,name\n2031-01-01,,off,元旦\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Merge(days)
	if !m.Covers(2031) || m.IsWorkday(newYear) {
		t.Errorf("after loading 2031: covered %v, 1 January working %v; want true, false", m.Covers(2031), m.IsWorkday(newYear))
	}
	if !c.IsWorkday(newYear) {
		t.Error("Merge changed the calendar it was called on")
	}
	// Loading a year again replaces it rather than adding to it.
	again, _ := Parse(strings.NewReader("from,to,kind,name\n2026-12-31,,off,test\n"))
	r := m.Merge(again)
	if !r.IsWorkday(at(c, "2026-10-08 10:00")) || !r.IsWorkday(at(c, "2026-10-01 10:00")) || r.IsWorkday(at(c, "2026-12-31 10:00")) {
		t.Error("reloading 2026 did not replace the year's arrangement")
	}
}

func TestParseReportsEveryBadLine(t *testing.T) {
	in := `# comment
from,to,kind,name
2027-01-01,,off,元旦
2027-02-30,,off,春节
2027-03-01,2027-02-01,off,x
2027-04-01,,rest,x
2027-01-01,,work,元旦
2027-05-01,2027-05-05,off,劳动节
`
	days, err := Parse(strings.NewReader(in))
	if err == nil {
		t.Fatal("bad file accepted")
	}
	msg := err.Error()
	for _, want := range []string{"line 4: column from", "line 5: column to", "line 6: column kind", "line 7: 2027-01-01 is already given on line 3"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if len(days) != 6 {
		t.Errorf("good days returned = %d, want 6 (1 January and 1–5 May)", len(days))
	}
	if _, err := Parse(strings.NewReader("date,kind\n")); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("wrong header: %v", err)
	}
}
