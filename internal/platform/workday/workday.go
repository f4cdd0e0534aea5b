// Package workday counts working time: working days in China's calendar,
// where public holidays and the adjusted working weekends (调休) that pay for
// them are set each year by the State Council, and working hours within a
// day. Time limits on cases ("办结 within 5 working days", "respond within 2
// working hours") are computed with it from stored times, so a deadline
// never depends on a timer surviving a restart.
//
// The holiday arrangement is data: one CSV file per year, the years known at
// build time embedded, more loadable at run time. Dates of a year the
// calendar has no data for count as working days Monday to Friday, and
// Covers reports whether a year is known so callers can mark such deadlines
// as provisional.
package workday

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed holidays/*.csv
var embedded embed.FS

// Period is one stretch of working time in a day, in minutes from midnight.
type Period struct{ From, To int }

// DefaultHours are government office hours: 09:00–12:00 and 13:00–17:00,
// seven working hours a day. A city sets its own with New.
var DefaultHours = []Period{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}

// Day is one entry of a holiday arrangement.
type Day struct {
	Date string `json:"date"` // YYYY-MM-DD
	Work bool   `json:"work"` // true: an adjusted working day; false: a public holiday
	Name string `json:"name"` // the festival it belongs to, e.g. 春节
}

// Calendar answers working-time questions in one time zone. It is immutable
// once built; Merge and WithHours return a new calendar.
type Calendar struct {
	loc   *time.Location
	hours []Period
	// summer, when set, are the hours of the days in season (many cities
	// open later after lunch in summer: 08:30–12:00 and 14:30–17:30).
	summer []Period
	season Season
	days   map[string]Day
	years  map[int]bool
}

// CheckPeriods reports whether ps are usable office hours: at least one
// period, each within the day and after the one before.
func CheckPeriods(ps []Period) error {
	if len(ps) == 0 {
		return errors.New("no working period")
	}
	for i, p := range ps {
		if p.From < 0 || p.To > 24*60 || p.From >= p.To || (i > 0 && p.From < ps[i-1].To) {
			return fmt.Errorf("period %d (%s) must lie within the day, end after it starts, and start after the previous one", i+1, FormatPeriods(ps[i:i+1]))
		}
	}
	return nil
}

// New returns a calendar with the embedded holiday arrangements, in loc,
// with the given working hours (DefaultHours when nil).
func New(loc *time.Location, hours []Period) (*Calendar, error) {
	if hours == nil {
		hours = DefaultHours
	}
	if err := CheckPeriods(hours); err != nil {
		return nil, fmt.Errorf("workday: working hours: %w", err)
	}
	c := &Calendar{loc: loc, hours: hours, days: map[string]Day{}, years: map[int]bool{}}
	files, err := fs.Glob(embedded, "holidays/*.csv")
	if err != nil {
		return nil, fmt.Errorf("workday: embedded holidays: %w", err)
	}
	for _, name := range files {
		f, err := embedded.Open(name)
		if err != nil {
			return nil, fmt.Errorf("workday: %s: %w", name, err)
		}
		days, err := Parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("workday: %s: %w", name, err)
		}
		c.add(days)
	}
	return c, nil
}

// CST is China Standard Time (UTC+8 all year): the one zone in which dates
// are shown, case numbers dated and months counted.
var CST = time.FixedZone("CST", 8*3600)

// Shanghai returns the calendar in China Standard Time with office hours.
// China has no daylight saving, so a fixed zone serves when the system has
// no time zone database.
func Shanghai() (*Calendar, error) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return New(loc, nil)
}

// Merge returns a copy of c with days added; the years they fall in become
// known. A year given again replaces what c had for that year.
func (c *Calendar) Merge(days []Day) *Calendar {
	out := &Calendar{loc: c.loc, hours: c.hours, summer: c.summer, season: c.season, days: make(map[string]Day, len(c.days)+len(days)), years: map[int]bool{}}
	replaced := map[string]bool{}
	for _, d := range days {
		replaced[d.Date[:4]] = true
	}
	for k, d := range c.days {
		if !replaced[k[:4]] {
			out.days[k] = d
		}
	}
	for y := range c.years {
		out.years[y] = true
	}
	out.add(days)
	return out
}

func (c *Calendar) add(days []Day) {
	for _, d := range days {
		c.days[d.Date] = d
		y, _ := strconv.Atoi(d.Date[:4])
		c.years[y] = true
	}
}

// Covers reports whether the calendar holds the holiday arrangement of year.
func (c *Calendar) Covers(year int) bool { return c.years[year] }

// Years lists the years the calendar holds, in order.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Days returns the arrangement of year in date order.
func (c *Calendar) Days(year int) []Day {
	prefix := fmt.Sprintf("%04d-", year)
	out := []Day{}
	for k, d := range c.days {
		if strings.HasPrefix(k, prefix) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Special returns the arrangement entry for t's date, if there is one.
func (c *Calendar) Special(t time.Time) (Day, bool) {
	d, ok := c.days[t.In(c.loc).Format(time.DateOnly)]
	return d, ok
}

// IsWorkday reports whether t's date (in the calendar's zone) is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	if d, ok := c.Special(t); ok {
		return d.Work
	}
	wd := t.In(c.loc).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// dayStart is midnight of t's date in the calendar's zone.
func (c *Calendar) dayStart(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

func (c *Calendar) at(day time.Time, minute int) time.Time {
	return day.Add(time.Duration(minute) * time.Minute)
}

// AddDays returns the deadline n working days after t: the close of
// business of the n-th working day after t's date ("within n working days",
// counted from the next day, as a registration on Friday afternoon with a
// 1-day limit is due on Monday evening). n = 0 means close of business on
// t's date if it is a working day, else on the next one.
func (c *Calendar) AddDays(t time.Time, n int) time.Time {
	day := c.dayStart(t)
	if n == 0 {
		for !c.IsWorkday(day) {
			day = day.AddDate(0, 0, 1)
		}
	}
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkday(day) {
			n--
		}
	}
	hours := c.periodsOn(day)
	return c.at(day, hours[len(hours)-1].To)
}

// AddHours returns the moment d of working time after t. Time before the
// first period of a working day, between periods, after close or on days
// off does not count. A zero duration from outside working time returns t.
func (c *Calendar) AddHours(t time.Time, d time.Duration) time.Time {
	t = t.In(c.loc)
	if d <= 0 {
		return t
	}
	day := c.dayStart(t)
	for {
		if c.IsWorkday(day) {
			for _, p := range c.periodsOn(day) {
				from, to := c.at(day, p.From), c.at(day, p.To)
				if !t.Before(to) {
					continue
				}
				if t.Before(from) {
					t = from
				}
				if left := to.Sub(t); d <= left {
					return t.Add(d)
				} else {
					d -= left
					t = to
				}
			}
		}
		day = day.AddDate(0, 0, 1)
		t = day
	}
}

// Between returns the working time from a to b (negative when b is before
// a), so that on-time checks and "time left" use the same clock as the
// deadlines.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.Between(b, a)
	}
	a, b = a.In(c.loc), b.In(c.loc)
	var total time.Duration
	for day := c.dayStart(a); day.Before(b); day = day.AddDate(0, 0, 1) {
		if !c.IsWorkday(day) {
			continue
		}
		for _, p := range c.periodsOn(day) {
			from, to := c.at(day, p.From), c.at(day, p.To)
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}

// Parse reads a holiday arrangement: CSV with the header from,to,kind,name,
// lines starting with # ignored; "to" empty for a single day; kind "off"
// (public holiday) or "work" (adjusted working day). Every bad line is
// reported, each naming its line, column and rule.
func Parse(r io.Reader) ([]Day, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	var days []Day
	var problems []error
	seen := map[string]int{}
	header := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if header {
			header = false
			if strings.Join(rec, ",") != "from,to,kind,name" {
				return nil, fmt.Errorf("line %d: header must be from,to,kind,name", line)
			}
			continue
		}
		if len(rec) != 4 {
			problems = append(problems, fmt.Errorf("line %d: want 4 columns (from,to,kind,name), got %d", line, len(rec)))
			continue
		}
		from, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[0]))
		if err != nil {
			problems = append(problems, fmt.Errorf("line %d: column from: %q is not a date YYYY-MM-DD", line, rec[0]))
			continue
		}
		to := from
		if s := strings.TrimSpace(rec[1]); s != "" {
			if to, err = time.Parse(time.DateOnly, s); err != nil {
				problems = append(problems, fmt.Errorf("line %d: column to: %q is not a date YYYY-MM-DD", line, rec[1]))
				continue
			}
		}
		if to.Before(from) || to.Sub(from) > 31*24*time.Hour {
			problems = append(problems, fmt.Errorf("line %d: column to: must be on or after from and within 31 days of it", line))
			continue
		}
		kind := strings.TrimSpace(rec[2])
		if kind != "off" && kind != "work" {
			problems = append(problems, fmt.Errorf("line %d: column kind: must be off or work, got %q", line, rec[2]))
			continue
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			key := d.Format(time.DateOnly)
			if prev, dup := seen[key]; dup {
				problems = append(problems, fmt.Errorf("line %d: %s is already given on line %d", line, key, prev))
				continue
			}
			seen[key] = line
			days = append(days, Day{Date: key, Work: kind == "work", Name: strings.TrimSpace(rec[3])})
		}
	}
	if header {
		return nil, errors.New("empty file: want the header from,to,kind,name")
	}
	return days, errors.Join(problems...)
}
