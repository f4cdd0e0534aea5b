package workday

import (
	"strings"
	"testing"
	"time"
)

// summerCity works 09:00–12:00 and 13:30–17:30, and 08:30–12:00 and
// 14:30–17:30 from 1 May to 30 September.
func summerCity(t *testing.T) *Calendar {
	t.Helper()
	ps, err := ParsePeriods("09:00-12:00,13:30-17:30")
	if err != nil {
		t.Fatal(err)
	}
	summer, err := ParsePeriods("8:30–12:00，14:30~17:30")
	if err != nil {
		t.Fatal(err)
	}
	season, err := ParseSeason("05-01:09-30")
	if err != nil {
		t.Fatal(err)
	}
	c, err := shanghai(t).WithHours(Hours{Periods: ps, Summer: summer, Season: season})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHoursLimitCountsWithinTheCitysOfficeHours(t *testing.T) {
	c := summerCity(t)
	for _, tc := range []struct {
		from string
		d    time.Duration
		want string
		why  string
	}{
		{"2026-07-16 11:30", time.Hour, "2026-07-16 15:00", "summer: half an hour before lunch, half an hour after 14:30"},
		{"2026-07-16 08:00", time.Hour, "2026-07-16 09:30", "summer: the day starts at 08:30"},
		{"2026-07-16 17:00", time.Hour, "2026-07-17 09:00", "summer: the next day from 08:30"},
		{"2026-11-26 11:30", time.Hour, "2026-11-26 14:00", "winter: after lunch from 13:30"},
		{"2026-09-30 17:00", time.Hour, "2026-10-08 09:30", "the last day of summer, then winter hours after the Golden Week"},
	} {
		if got := c.AddHours(at(c, tc.from), tc.d); !got.Equal(at(c, tc.want)) {
			t.Errorf("%s + %s (%s) = %s, want %s", tc.from, tc.d, tc.why, got.Format("2006-01-02 15:04"), tc.want)
		}
	}
	// A day limit ends at the close of that day's hours.
	if got := c.AddDays(at(c, "2026-11-26 10:00"), 1); !got.Equal(at(c, "2026-11-27 17:30")) {
		t.Errorf("one working day in winter ends %s, want 17:30", got)
	}
	// Between measures with the same hours.
	if got := c.Between(at(c, "2026-07-16 11:30"), at(c, "2026-07-16 15:00")); got != time.Hour {
		t.Errorf("working time 11:30–15:00 in summer = %s, want 1h", got)
	}
	// The default calendar keeps the national default.
	if got := shanghai(t).AddHours(at(c, "2026-07-16 11:30"), time.Hour); !got.Equal(at(c, "2026-07-16 13:30")) {
		t.Errorf("the default hours changed: %s", got)
	}
}

func TestSeasonWrapsOverTheNewYear(t *testing.T) {
	s, err := ParseSeason("11-15:03-15")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    time.Month
		d    int
		want bool
	}{{11, 15, true}, {12, 31, true}, {1, 1, true}, {3, 15, true}, {3, 16, false}, {7, 1, false}, {11, 14, false}} {
		if got := s.Contains(tc.m, tc.d); got != tc.want {
			t.Errorf("%02d-%02d in %s: %v, want %v", tc.m, tc.d, s, got, tc.want)
		}
	}
	if s.String() != "11-15:03-15" {
		t.Errorf("season written %q", s)
	}
}

func TestParsePeriodsNamesTheProblem(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "no working period",
		"09:00":                   "want HH:MM-HH:MM",
		"9-12":                    "not a time",
		"09:00-25:00":             "not a time",
		"12:00-09:00":             "period 1",
		"09:00-12:00,11:00-17:00": "period 2",
	} {
		if _, err := ParsePeriods(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePeriods(%q) = %v, want an error about %q", in, err, want)
		}
	}
	ps, err := ParsePeriods("09:00-12:00 13:30-17:30")
	if err != nil || FormatPeriods(ps) != "09:00-12:00,13:30-17:30" {
		t.Errorf("round trip: %v %q", err, FormatPeriods(ps))
	}
	if _, err := ParseSeason("02-30:09-30"); err == nil {
		t.Error("30 February accepted")
	}
	if err := (Hours{Periods: ps, Summer: ps}).Check(); err == nil {
		t.Error("summer hours without a season accepted")
	}
}
