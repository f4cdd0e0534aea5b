package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/errs"
)

// The number fields of a page's form. Each reads field, records on fe a
// value that is not the number it must be, and answers 0 then; an empty
// field is 0, not an error (the form marks what it requires).

// FormID reads an id: a positive whole number.
func FormID(fe *errs.Fields, r *http.Request, field string) int64 {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		fe.Add(field, "rule.number", "")
		return 0
	}
	return n
}

// FormInt reads a whole number.
func FormInt(fe *errs.Fields, r *http.Request, field string) int {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fe.Add(field, "rule.integer", "")
		return 0
	}
	return n
}

// FormNumber reads a finite number; ok is false when the field is empty
// or wrong.
func FormNumber(fe *errs.Fields, r *http.Request, field string) (n float64, ok bool) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		fe.Add(field, "rule.number", "")
		return 0, false
	}
	return n, true
}
