package workday

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hours are a city's office hours: the periods of an ordinary working
// day, and optionally other periods for the days of a summer season
// (作息时间: many cities work 08:30–12:00 and 14:30–17:30 from May to
// September). Time limits counted in working hours count only within them.
type Hours struct {
	Periods []Period `json:"periods"`
	// Summer are the periods of the days in Season; none: the same hours
	// all year.
	Summer []Period `json:"summer,omitempty"`
	Season Season   `json:"season,omitzero"`
}

// Season is a stretch of the year, from one month and day to another,
// both included; From after To wraps over the new year.
type Season struct {
	From MonthDay `json:"from"`
	To   MonthDay `json:"to"`
}

// MonthDay is a day of any year.
type MonthDay struct {
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
}

// IsZero reports whether no season is set.
func (s Season) IsZero() bool { return s.From.Month == 0 }

// Contains reports whether the date m-d falls in the season.
func (s Season) Contains(m time.Month, d int) bool {
	if s.IsZero() {
		return false
	}
	at := int(m)*100 + d
	from, to := int(s.From.Month)*100+s.From.Day, int(s.To.Month)*100+s.To.Day
	if from <= to {
		return at >= from && at <= to
	}
	return at >= from || at <= to
}

// String writes the season as MM-DD:MM-DD, the form ParseSeason reads.
func (s Season) String() string {
	if s.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d-%02d:%02d-%02d", s.From.Month, s.From.Day, s.To.Month, s.To.Day)
}

// Check reports whether h are usable: ordinary periods always, summer
// periods and their season together or not at all.
func (h Hours) Check() error {
	if err := CheckPeriods(h.Periods); err != nil {
		return err
	}
	if len(h.Summer) > 0 != !h.Season.IsZero() {
		return errors.New("summer hours and the summer season go together")
	}
	if len(h.Summer) > 0 {
		if err := CheckPeriods(h.Summer); err != nil {
			return fmt.Errorf("summer: %w", err)
		}
	}
	return nil
}

// WithHours returns a copy of c that counts working time within h; the
// holiday arrangement is shared (both are immutable).
func (c *Calendar) WithHours(h Hours) (*Calendar, error) {
	if err := h.Check(); err != nil {
		return nil, fmt.Errorf("workday: office hours: %w", err)
	}
	out := *c
	out.hours, out.summer, out.season = h.Periods, h.Summer, h.Season
	if len(h.Summer) == 0 {
		out.summer, out.season = nil, Season{}
	}
	return &out, nil
}

// Hours returns the office hours the calendar counts with.
func (c *Calendar) Hours() Hours {
	return Hours{Periods: c.hours, Summer: c.summer, Season: c.season}
}

// periodsOn returns the working periods of day's date.
func (c *Calendar) periodsOn(day time.Time) []Period {
	if len(c.summer) == 0 {
		return c.hours
	}
	_, m, d := day.In(c.loc).Date()
	if c.season.Contains(m, d) {
		return c.summer
	}
	return c.hours
}

// ParsePeriods reads office hours written as people write them:
// "09:00-12:00,13:30-17:30" (an en dash or ~ between the times, commas,
// semicolons or spaces between the periods, "9:00" as well as "09:00").
func ParsePeriods(s string) ([]Period, error) {
	s = strings.NewReplacer("，", ",", "；", ",", ";", ",", "–", "-", "—", "-", "~", "-", "～", "-", "：", ":").Replace(strings.TrimSpace(s))
	if s == "" {
		return nil, errors.New("no working period")
	}
	var out []Period
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("%q: want HH:MM-HH:MM", part)
		}
		a, err := clock(from)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		b, err := clock(to)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out = append(out, Period{From: a, To: b})
	}
	return out, CheckPeriods(out)
}

// clock reads HH:MM as minutes from midnight (24:00 is the end of the day).
func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	return hh*60 + mm, nil
}

// FormatPeriods writes periods in the form ParsePeriods reads.
func FormatPeriods(ps []Period) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%02d:%02d-%02d:%02d", p.From/60, p.From%60, p.To/60, p.To%60)
	}
	return strings.Join(parts, ",")
}

// ParseSeason reads a season written MM-DD:MM-DD, e.g. 05-01:09-30.
func ParseSeason(s string) (Season, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Season{}, fmt.Errorf("%q: want MM-DD:MM-DD", s)
	}
	a, err := monthDay(from)
	if err != nil {
		return Season{}, err
	}
	b, err := monthDay(to)
	if err != nil {
		return Season{}, err
	}
	return Season{From: a, To: b}, nil
}

func monthDay(s string) (MonthDay, error) {
	// 2024 is a leap year: 02-29 is a day of some years.
	t, err := time.Parse("2006-01-02", "2024-"+strings.TrimSpace(s))
	if err != nil {
		return MonthDay{}, fmt.Errorf("%q is not a day MM-DD", s)
	}
	return MonthDay{Month: t.Month(), Day: t.Day()}, nil
}
