// Package audit records every write and every read of personal data (留痕)
// in the same transaction as the change, and lets admins search and export
// the records of their territory. There is no update or delete path: the
// table is append-only, enforced by triggers in both databases.
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the audit tables' migrations.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return db.Migrations{Module: "audit", FS: sub}
}

// Entry is one audit record.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor_name"`
	ActorRole  string    `json:"actor_role"`
	ActorScope string    `json:"actor_scope"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	// Region is the region code of the object; it decides who may read
	// the record.
	Region    string `json:"region_code"`
	Before    any    `json:"before,omitempty" doc:"a resident's personal values show masked, or \"erased\" once they have moved out"`
	After     any    `json:"after,omitempty"`
	Detail    any    `json:"detail,omitempty"`
	ClientIP  string `json:"client_ip"`
	RequestID string `json:"request_id"`
	// TokenID is the API token the actor acted with (0: a signed-in
	// session or system work).
	TokenID int64 `json:"token_id,omitempty" doc:"the API token the actor acted with; absent for a signed-in session or system work"`
}

// Record writes e in tx, filling the actor and client from ctx.
func Record(ctx context.Context, tx *db.Tx, e Entry) error {
	return write(ctx, tx, tx.Now(), e)
}

// RecordRead writes an entry for a read of personal data outside a
// transaction of its own making.
func RecordRead(ctx context.Context, d *db.DB, e Entry) error {
	return d.Tx(ctx, func(tx *db.Tx) error { return Record(ctx, tx, e) })
}

func write(ctx context.Context, q db.Querier, now time.Time, e Entry) error {
	if a := authz.ActorFrom(ctx); a != nil {
		e.ActorID, e.ActorName, e.ActorRole = a.UserID, a.Username, string(a.Role)
		e.ActorScope = scopeString(a.Scope)
		e.TokenID = a.TokenID
	} else if e.ActorName == "" {
		e.ActorName, e.ActorRole, e.ActorScope = "system", "system", "*"
	}
	c := authz.ClientFrom(ctx)
	var actorID, tokenID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	if e.TokenID != 0 {
		tokenID = e.TokenID
	}
	_, err := q.ExecContext(ctx, `/* audit.Record */
		INSERT INTO audit_log (at, actor_id, actor_name, actor_role, actor_scope, action, object_type, object_id,
			region_code, before_json, after_json, detail_json, client_ip, request_id, token_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		now, actorID, e.ActorName, e.ActorRole, e.ActorScope, e.Action, e.ObjectType, e.ObjectID,
		e.Region, jsonOrNil(e.Before), jsonOrNil(e.After), jsonOrNil(e.Detail), c.IP, c.RequestID, tokenID)
	if err != nil {
		return fmt.Errorf("audit: record %s %s/%s: %w", e.Action, e.ObjectType, e.ObjectID, err)
	}
	return nil
}

func scopeString(s authz.Scope) string {
	if s.All {
		return "*"
	}
	if s.Department != 0 {
		return s.Region + "#dept" + strconv.FormatInt(s.Department, 10)
	}
	return s.Region
}

func jsonOrNil(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// Filter selects audit entries. Zero fields do not filter.
type Filter struct {
	Actor      string
	Action     string // prefix, e.g. "account."
	ObjectType string
	ObjectID   string
	From, To   time.Time
	Before     int64 // cursor: entries with a smaller id
	Limit      int
}

// Find returns entries in scope matching f, newest first.
func Find(ctx context.Context, q db.Querier, sc authz.Scope, f Filter) ([]Entry, error) {
	qb := filter(db.NewQuery(`/* audit.Find */
		SELECT id, at, actor_id, actor_name, actor_role, actor_scope, action, object_type, object_id, region_code,
			before_json, after_json, detail_json, client_ip, request_id, token_id FROM audit_log`), sc, f)
	if f.Before > 0 {
		qb.And("id < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 100
	}
	qb.Tail("ORDER BY id DESC LIMIT ?", f.Limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("audit: find: %w", err)
	}
	return out, nil
}

// Count counts the entries in scope matching f, on every page (the
// cursor and the limit aside).
func Count(ctx context.Context, q db.Querier, sc authz.Scope, f Filter) (int, error) {
	s, args := filter(db.NewQuery(`/* audit.Count */ SELECT COUNT(*) FROM audit_log`), sc, f).SQL()
	var n int
	if err := q.QueryRowContext(ctx, s, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: count: %w", err)
	}
	return n, nil
}

// filter adds f's conditions, but the cursor, to qb.
func filter(qb *db.Query, sc authz.Scope, f Filter) *db.Query {
	qb.Scope(sc, "region_code", "")
	if f.Actor != "" {
		qb.And("actor_name = ?", f.Actor)
	}
	if f.Action != "" {
		qb.And("action LIKE ?", f.Action+"%")
	}
	if f.ObjectType != "" {
		qb.And("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		qb.And("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		qb.And("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		qb.And("at < ?", f.To.UTC())
	}
	return qb
}

func scanEntry(row db.Scanner) (Entry, error) {
	var e Entry
	var actorID, tokenID *int64
	var before, after, detail *string
	if err := row.Scan(&e.ID, &e.At, &actorID, &e.ActorName, &e.ActorRole, &e.ActorScope, &e.Action,
		&e.ObjectType, &e.ObjectID, &e.Region, &before, &after, &detail, &e.ClientIP, &e.RequestID, &tokenID); err != nil {
		return e, err
	}
	if actorID != nil {
		e.ActorID = *actorID
	}
	if tokenID != nil {
		e.TokenID = *tokenID
	}
	e.Before, e.After, e.Detail = rawOrNil(before), rawOrNil(after), rawOrNil(detail)
	return e, nil
}

func rawOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// Validate checks a filter from user input.
func (f Filter) Validate() error {
	var fe errs.Fields
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		fe.Add("to", "rule.after_from", "")
	}
	return fe.Err()
}
