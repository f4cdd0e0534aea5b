// Package errs defines the application error codes that every layer uses,
// so that one place (package web) can map a failure to an HTTP status and a
// message a person can read, whatever module produced it.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error. The web layer maps each code to one HTTP status.
type Code string

// Error codes, after benbjohnson/wtf.
const (
	Invalid          Code = "invalid"            // 422: input breaks a rule
	Malformed        Code = "malformed"          // 400: the request cannot be parsed
	MethodNotAllowed Code = "method_not_allowed" // 405
	Unauthorized     Code = "unauthorized"       // 401: no or bad credentials
	Forbidden        Code = "forbidden"          // 403: known actor, missing permission
	NotFound         Code = "not_found"          // 404: absent or outside the actor's scope
	Conflict         Code = "conflict"           // 409: concurrent change or duplicate
	Locked           Code = "locked"             // 423: account locked after failed logins
	TooLarge         Code = "too_large"          // 413: request body over the limit
	Unavailable      Code = "unavailable"        // 503: a dependency is down
	Internal         Code = "internal"           // 500: a bug or an unexpected failure
)

// FieldError names one input field and the rule it broke. Rule is a message
// catalogue key (for example "rule.required"); Param fills its placeholder.
// Label, when set, is the catalogue key that names the field to people
// where field.<Field> would name it wrongly: a person's name is 姓名, a
// thing's 名称, both sent as "name".
type FieldError struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
	Param string `json:"param,omitempty"`
	Label string `json:"label,omitempty"`
}

// Error is an application error with a code, a message key for people and,
// for invalid input, the offending fields.
type Error struct {
	Code   Code
	Key    string // message catalogue key, e.g. "err.not_found"
	Args   []any  // values for the key's placeholders
	Fields []FieldError
	Err    error // wrapped cause, never shown to users
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s %s%s]", f.Field, f.Rule, paramSuffix(f.Param))
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func paramSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " " + p
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error with a code and a message key.
func E(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Field builds an invalid-input error for one field.
func Field(field, rule, param string) *Error {
	return &Error{Code: Invalid, Key: "err.invalid", Fields: []FieldError{{Field: field, Rule: rule, Param: param}}}
}

// Fields collects field errors; Err returns nil when none were added, so a
// validator can check every field and report all failures at once.
type Fields []FieldError

// Add records that field broke rule.
func (fs *Fields) Add(field, rule, param string) {
	*fs = append(*fs, FieldError{Field: field, Rule: rule, Param: param})
}

// Err returns the collected failures as one invalid-input error, or nil.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "err.invalid", Fields: fs}
}

// NotFoundf is the not-found error for one kind of object. Objects outside
// the actor's scope produce the same error, so existence does not leak.
func NotFoundf(kind string) *Error { return E(NotFound, "err.not_found", kind) }

// CodeOf returns the code of err, Internal for errors without one.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error, wrapping unknown errors as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "err.internal", Err: err}
}
