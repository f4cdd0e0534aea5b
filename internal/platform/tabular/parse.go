package tabular

import (
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Label turns a cell into a stored value through labels (Chinese label →
// value); a cell that is already a stored value passes unchanged.
func Label(labels map[string]string, cell string) string {
	cell = strings.TrimSpace(cell)
	if v, ok := labels[cell]; ok {
		return v
	}
	return cell
}

// LabelOf is the label of a stored value, for exports.
func LabelOf(labels map[string]string, value string) string {
	for k, v := range labels {
		if v == value {
			return k
		}
	}
	return value
}

// Bool reads 是/否, yes/no, true/false, 1/0 (empty is false).
func Bool(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "是", "yes", "true", "1", "y", "✓":
		return true
	}
	return false
}

// YesNo writes a bool as 是/否.
func YesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Int reads a whole number; an empty or bad cell is -1, which the module's
// range check then refuses.
func Int(cell string) int {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0
	}
	n, err := strconv.Atoi(cell)
	if err != nil {
		return -1
	}
	return n
}

// List splits a cell on Chinese and Latin separators.
func List(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
}

// excelEpoch is day 0 of Excel's serial dates (1899-12-30, which absorbs
// Lotus's 1900 leap-year mistake for every date after February 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

var timeLayouts = []string{"2006-1-2 15:4:5", "2006-1-2 15:4", "2006-1-2", "20060102150405", "20060102 150405", "200601021504", "20060102"}

// Time reads a date and time as spreadsheets and hotline systems write
// it: 2026/11/30 14:05, 2026-11-30 14:05:00, 2026.11.30 14:05,
// 2026年11月30日 14时05分, RFC 3339 with its zone, 20261130140500, or an
// Excel serial number (46356.5868: days since 1899-12-30 and the part of
// a day). A time without a zone is wall time in loc (a Chinese city's is
// China Standard Time). ok is false for anything else, and for dates
// before 1990 or after 2200, which are typing mistakes.
func Time(cell string, loc *time.Location) (time.Time, bool) {
	s := strings.TrimSpace(norm.NFKC.String(cell))
	if s == "" {
		return time.Time{}, false
	}
	ok := func(t time.Time) (time.Time, bool) {
		if t.Year() < 1990 || t.Year() > 2200 {
			return time.Time{}, false
		}
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return ok(t)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.Contains(s, ".") || err == nil && f > 0 && f < 100000 {
		// An Excel serial date, read as wall time in loc.
		days := math.Floor(f)
		secs := math.Round((f - days) * 86400)
		w := excelEpoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
		return ok(time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc))
	}
	s = strings.NewReplacer("年", "-", "月", "-", "日", " ", "号", " ", "T", " ").Replace(s)
	date, clock, _ := strings.Cut(strings.Join(strings.Fields(s), " "), " ")
	date = strings.TrimSuffix(strings.NewReplacer("/", "-", ".", "-").Replace(date), "-")
	clock = strings.TrimSuffix(strings.NewReplacer("时", ":", "点", ":", "分", ":", "秒", "").Replace(clock), ":")
	s = strings.TrimSpace(date + " " + clock)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return ok(t)
		}
	}
	return time.Time{}, false
}
