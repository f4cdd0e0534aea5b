package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
)

// MaxBody is the largest request body accepted (1 MiB); imports use their
// own, larger limit.
const MaxBody = 1 << 20

// Problem is an RFC 9457 problem details body, with a stable machine code
// and the offending fields.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      string         `json:"code"`
	Instance  string         `json:"instance"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one offending field.
type ProblemField struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (rt *Router) problem(w http.ResponseWriter, r *http.Request, err error) {
	WriteProblem(w, r, rt.ui, err)
}

// WriteProblem writes err as application/problem+json, in English unless
// the client asks for Chinese.
func WriteProblem(w http.ResponseWriter, r *http.Request, ui *UI, err error) {
	e := errs.As(err)
	st := Status(e.Code)
	lang := i18n.EN
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "zh") {
		lang = i18n.ZH
	}
	p := Problem{
		Type: "urn:grassroots:problem:" + string(e.Code), Title: http.StatusText(st), Status: st,
		Detail: ui.Message(lang, e), Code: string(e.Code), Instance: r.URL.Path,
		RequestID: authz.ClientFrom(r.Context()).RequestID,
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Rule: strings.TrimPrefix(f.Rule, "rule."), Message: ui.FieldMessage(lang, f)})
	}
	if e.Code == errs.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="grassroots"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(p)
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads a JSON body into v: it must be application/json, at
// most MaxBody bytes, valid UTF-8 (encoding/json would silently replace
// bad bytes with U+FFFD), one object, with no unknown fields.
func DecodeJSON(r *http.Request, v any) error {
	return decodeJSON(r, v, MaxBody)
}

// DecodeUpload is DecodeJSON for upload routes, up to MaxUpload bytes.
func DecodeUpload(r *http.Request, v any) error {
	return decodeJSON(r, v, MaxUpload)
}

func decodeJSON(r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/geo+json") {
		return errs.Field("Content-Type", "rule.json_content_type", "")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errs.E(errs.TooLarge, "err.too_large", strconv.FormatInt(limit, 10))
	case err != nil:
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	case !utf8.Valid(body), loneSurrogate(body):
		return errs.E(errs.Malformed, "err.malformed", "invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return &errs.Error{Code: errs.Malformed, Key: "err.malformed", Args: []any{err.Error()},
				Fields: []errs.FieldError{{Field: te.Field, Rule: "rule.json_type", Param: te.Type.String()}}}
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return errs.E(errs.Malformed, "err.malformed", "invalid JSON")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &errs.Error{Code: errs.Malformed, Key: "err.malformed", Args: []any{err.Error()},
				Fields: []errs.FieldError{{Field: f, Rule: "rule.unknown_field"}}}
		default:
			return errs.E(errs.Malformed, "err.malformed", err.Error())
		}
	}
	if dec.More() {
		return errs.E(errs.Malformed, "err.malformed", "more than one JSON value")
	}
	return nil
}

// loneSurrogate reports whether a JSON text escapes half of a UTF-16
// surrogate pair (\ud800 alone), which encoding/json would silently
// turn into U+FFFD like an invalid UTF-8 byte.
func loneSurrogate(b []byte) bool {
	hex := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := hex(i)
		if !ok {
			i++ // an escaped character: skip it (\\ above all)
			continue
		}
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return true // a low half with no high half before it
		case r >= 0xd800 && r <= 0xdbff:
			if lo, ok := hex(i + 6); !ok || lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 11 // the pair
		default:
			i += 5
		}
	}
	return false
}

// List is the envelope of every paginated API list: the items and, when
// more follow, the cursor to pass as ?cursor= for the next page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	// Total is how many items the whole list holds, on every page.
	Total *int64 `json:"total,omitempty"`
	// TotalMore: there are more than Total (a count that stops early).
	TotalMore bool `json:"total_more,omitempty"`
}

// Cursor is a decoded pagination cursor: the sort key of the last item seen.
type Cursor struct {
	Key string
	ID  int64
}

// EncodeCursor makes an opaque cursor.
func EncodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Key + "\x00" + strconv.FormatInt(c.ID, 10)))
}

// BoolParam reads a true/false query parameter (1/0 too; absent: false).
func BoolParam(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errs.Field(name, "rule.one_of", "true, false")
}

// MaxLimit is the largest page a list gives.
const MaxLimit = 500

// PageParams reads ?cursor= and ?limit= (1–MaxLimit, default 50).
func PageParams(r *http.Request) (Cursor, int, error) {
	limit := 50
	var fe errs.Fields
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			fe.Add("limit", "rule.range", "1–"+strconv.Itoa(MaxLimit))
		} else {
			limit = n
		}
	}
	c, err := CursorParam(r, "cursor")
	if err != nil {
		fe = append(fe, errs.As(err).Fields...)
	}
	return c, limit, fe.Err()
}

// CursorParam reads a cursor from the query parameter name: "cursor" for
// a page's list, another name for a second list on the same page.
func CursorParam(r *http.Request, name string) (Cursor, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	key, id, ok := strings.Cut(string(b), "\x00")
	n, perr := strconv.ParseInt(id, 10, 64)
	if err != nil || !ok || perr != nil {
		return Cursor{}, errs.Field(name, "rule.cursor", "")
	}
	return Cursor{Key: key, ID: n}, nil
}

// Paginate trims items fetched with limit+1 to limit and sets the cursor
// from the last kept item.
func Paginate[T any](items []T, limit int, key func(T) Cursor) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if len(items) > limit {
		l.Items = items[:limit]
		l.NextCursor = EncodeCursor(key(items[limit-1]))
	}
	return l
}

// PathID parses a numeric path value; a bad one is not found, not invalid,
// so probing reveals nothing.
func PathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.NotFoundf(fmt.Sprintf("kind.%s", name))
	}
	return n, nil
}

// FormFile reads the uploaded file of a multipart form field, for upload
// routes; a missing file is a field error.
func FormFile(r *http.Request, field string) (name string, data []byte, err error) {
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return "", nil, errs.Field(field, "rule.required", "")
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		return "", nil, errs.E(errs.TooLarge, "err.too_large", strconv.Itoa(MaxUpload))
	}
	return hdr.Filename, data, nil
}

// ObjectID parses the {id} path value of an object of kind (a message
// key such as "kind.person"); a bad one is not found, like an absent one.
func ObjectID(r *http.Request, kind string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.NotFoundf(kind)
	}
	return n, nil
}

// Get is a handler that reads the {id} of an object of kind, calls the
// service and answers its result as JSON.
func Get[Out any](kind string, call func(ctx context.Context, id int64) (Out, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := ObjectID(r, kind)
		if err != nil {
			return err
		}
		out, err := call(r.Context(), id)
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, out)
	}
}

// Apply is a handler that reads the {id} of an object of kind and a JSON
// body, calls the service and answers its result with status.
func Apply[In, Out any](kind string, status int, call func(ctx context.Context, id int64, in In) (Out, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := ObjectID(r, kind)
		if err != nil {
			return err
		}
		var in In
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		out, err := call(r.Context(), id, in)
		if err != nil {
			return err
		}
		return JSON(w, status, out)
	}
}

// Submit is a handler that reads a JSON body, calls the service and
// answers its result with status.
func Submit[In, Out any](status int, call func(ctx context.Context, in In) (Out, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		out, err := call(r.Context(), in)
		if err != nil {
			return err
		}
		return JSON(w, status, out)
	}
}
