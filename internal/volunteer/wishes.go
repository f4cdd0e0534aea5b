package volunteer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
)

// WishPoints are the points a completed micro-wish earns its member.
const WishPoints = 2.0

// MaxCodeTries is how many wrong codes a wish takes before only the
// community can finish it.
const MaxCodeTries = 5

// The statuses of a wish. Stored; do not rename.
const (
	WishOpen    = "open"
	WishClaimed = "claimed"
	WishDone    = "done"
)

// Wish is a micro-wish (微心愿).
type Wish struct {
	ID            int64      `json:"id"`
	CommunityCode string     `json:"community_code"`
	CommunityName string     `json:"community_name"`
	Title         string     `json:"title"`
	Detail        string     `json:"detail,omitempty"`
	Category      string     `json:"category"`
	Beneficiary   string     `json:"beneficiary" doc:"masked"`
	Status        string     `json:"status" doc:"open, claimed or done"`
	PostedBy      string     `json:"posted_by"`
	PostedAt      time.Time  `json:"posted_at"`
	ClaimedBy     int64      `json:"claimed_by,omitempty"`
	ClaimedName   string     `json:"claimed_name,omitempty"`
	ClaimedAt     *time.Time `json:"claimed_at,omitempty"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	Locked        bool       `json:"locked,omitempty" doc:"too many wrong codes: the community finishes it"`
	codeHash      string
}

// WishInput is a wish as the community posts it.
type WishInput struct {
	Community   string `json:"community,omitempty"`
	Title       string `json:"title"`
	Detail      string `json:"detail,omitempty"`
	Category    string `json:"category"`
	Beneficiary string `json:"beneficiary" doc:"the person the wish is for"`
	// Consented: the beneficiary agreed to the wish being posted.
	Consented bool `json:"consented"`
}

// Posted is a wish just posted with the beneficiary's one-time code,
// shown this once: the community hands it to the beneficiary.
type Posted struct {
	Wish Wish   `json:"wish"`
	Code string `json:"code" doc:"the beneficiary's confirmation code; shown once"`
}

const wishCols = `w.id, w.community_code, w.title, w.detail, w.category, w.beneficiary_masked, w.status, w.posted_by, w.posted_at,
	COALESCE(w.claimed_by, 0), w.claimed_name, w.claimed_at, w.done_at, w.failed_codes, w.code_hash`

func scanWish(r db.Scanner) (Wish, error) {
	var w Wish
	var failed int
	err := r.Scan(&w.ID, &w.CommunityCode, &w.Title, &w.Detail, &w.Category, &w.Beneficiary, &w.Status, &w.PostedBy, &w.PostedAt,
		&w.ClaimedBy, &w.ClaimedName, &w.ClaimedAt, &w.DoneAt, &failed, &w.codeHash)
	w.PostedAt = w.PostedAt.UTC()
	w.Locked = failed >= MaxCodeTries
	return w, err
}

// wishCode is a six-digit code, drawn uniformly.
func wishCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("volunteer: no randomness: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// PostWish posts a wish in a community of the scope for a beneficiary who
// has consented.
func (s *Service) PostWish(ctx context.Context, sc authz.Scope, in WishInput) (Posted, error) {
	if in.Community == "" && len(sc.Region) == 12 {
		in.Community = sc.Region
	}
	var fe errs.Fields
	in.Title = text.LineField(&fe, "title", in.Title)
	in.Detail = text.BlockField(&fe, "detail", in.Detail)
	in.Beneficiary = text.LineField(&fe, "beneficiary", in.Beneficiary)
	switch {
	case in.Title == "":
		fe.Add("title", "rule.required", "")
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		fe.Add("title", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	if utf8.RuneCountInString(in.Detail) > 1000 {
		fe.Add("detail", "rule.max_length", "1000")
	}
	if in.Beneficiary == "" {
		fe.Add("beneficiary", "rule.required", "")
	} else if utf8.RuneCountInString(in.Beneficiary) > 50 {
		fe.Add("beneficiary", "rule.max_length", "50")
	}
	if !slices.Contains(Categories, in.Category) {
		fe.Add("category", "rule.one_of", strings.Join(Categories, ", "))
	}
	if !in.Consented {
		fe.Add("consented", "rule.vol_consent", "")
	}
	if len(in.Community) != 12 || !sc.Contains(in.Community) || sc.Department != 0 || sc.GridsOnly {
		fe.Add("community", "rule.out_of_scope", "")
	}
	if err := fe.Err(); err != nil {
		return Posted{}, err
	}
	name, err := s.deps.Keys.Encrypt(in.Beneficiary)
	if err != nil {
		return Posted{}, fmt.Errorf("volunteer: seal beneficiary: %w", err)
	}
	code := wishCode()
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `/* volunteer.postWish */ INSERT INTO volunteer_wishes (community_code, title, detail, category, beneficiary_enc,
			beneficiary_masked, code_hash, status, posted_by, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`,
			in.Community, in.Title, in.Detail, in.Category, name, pii.MaskName(in.Beneficiary), s.deps.Keys.Hash(code), actorName(authz.ActorFrom(ctx)),
			tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("volunteer: post wish: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.wish.post", ObjectType: "volunteer_wish", ObjectID: strconv.FormatInt(id, 10),
			Region: in.Community, Detail: map[string]any{"title": in.Title}})
	})
	if err != nil {
		return Posted{}, err
	}
	w, err := s.Wish(ctx, sc, id)
	return Posted{Wish: w, Code: code}, err
}

func (s *Service) unscopedWish(ctx context.Context, q db.Querier, id int64) (Wish, error) {
	w, err := scanWish(q.QueryRowContext(ctx, `/* volunteer.wish */ SELECT `+wishCols+` FROM volunteer_wishes w WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, errs.NotFoundf("kind.vol_wish")
	}
	if err != nil {
		return w, fmt.Errorf("volunteer: wish %d: %w", id, err)
	}
	return w, nil
}

// Wish is one wish of the scope's area.
func (s *Service) Wish(ctx context.Context, sc authz.Scope, id int64) (Wish, error) {
	w, err := s.unscopedWish(ctx, s.db, id)
	if err != nil {
		return w, err
	}
	if sc.Department != 0 || !sc.Contains(w.CommunityCode) {
		return Wish{}, errs.NotFoundf("kind.vol_wish")
	}
	ws := []Wish{w}
	return ws[0], s.nameWishes(ctx, ws)
}

func (s *Service) nameWishes(ctx context.Context, ws []Wish) error {
	return named(ctx, s, ws, func(w *Wish) []string { return []string{w.CommunityCode} },
		func(w *Wish, names map[string]string) { w.CommunityName = names[w.CommunityCode] })
}

// Wishes lists the wishes of the scope's area, newest first, with the
// total; status narrows them.
func (s *Service) Wishes(ctx context.Context, sc authz.Scope, status string, afterID int64, limit int) (web.List[Wish], error) {
	if status != "" && !slices.Contains([]string{WishOpen, WishClaimed, WishDone}, status) {
		return web.List[Wish]{}, errs.Field("status", "rule.one_of", "open, claimed, done")
	}
	if limit <= 0 || limit > web.MaxLimit {
		limit = 50
	}
	where := func(qb *db.Query) *db.Query {
		qb.Scope(sc, "w.community_code", "")
		if sc.Department != 0 {
			qb.And("1 = 0")
		}
		if status != "" {
			qb.And("w.status = ?", status)
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "volunteer.wishes", wishCols, ` FROM volunteer_wishes w`, "w.id", where, afterID, limit, scanWish,
		func(w Wish) int64 { return w.ID })
	if err != nil {
		return l, err
	}
	return l, s.nameWishes(ctx, l.Items)
}

// Claim is a member's claim of an open wish of their community.
func (s *Service) Claim(ctx context.Context, actor *authz.Actor, id int64) (Wish, error) {
	if actor == nil || actor.UserID == 0 {
		return Wish{}, errs.E(errs.Forbidden, "err.vol_member_only")
	}
	w, err := s.Wish(ctx, actor.Scope, id)
	if err != nil {
		return w, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `/* volunteer.claim */ UPDATE volunteer_wishes SET status = 'claimed', claimed_by = ?, claimed_name = ?, claimed_at = ?
			WHERE id = ? AND status = 'open'`, actor.UserID, actor.DisplayName, tx.Now(), id)
		if err != nil {
			return fmt.Errorf("volunteer: claim %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.vol_wish_taken")
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.wish.claim", ObjectType: "volunteer_wish", ObjectID: strconv.FormatInt(id, 10),
			Region: w.CommunityCode, Detail: map[string]any{"title": w.Title}})
	})
	if err != nil {
		return Wish{}, err
	}
	return s.Wish(ctx, actor.Scope, id)
}

// Fulfil completes a wish the actor claimed with the beneficiary's
// one-time code: done, and its points go to the member's ledger. A wrong
// code counts towards MaxCodeTries and changes nothing else.
func (s *Service) Fulfil(ctx context.Context, actor *authz.Actor, id int64, code string) (Wish, error) {
	if actor == nil || actor.UserID == 0 {
		return Wish{}, errs.E(errs.Forbidden, "err.vol_member_only")
	}
	w, err := s.Wish(ctx, actor.Scope, id)
	if err != nil {
		return w, err
	}
	if w.Status != WishClaimed || w.ClaimedBy != actor.UserID {
		// Another member's claim, or none: as if it were not there.
		return Wish{}, errs.E(errs.Conflict, "err.vol_wish_not_yours")
	}
	if w.Locked {
		return Wish{}, errs.E(errs.Conflict, "err.vol_wish_locked")
	}
	code = strings.TrimSpace(code)
	good := len(code) == 6 && s.deps.Keys.Hash(code) == w.codeHash
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if !good {
			if _, err := tx.ExecContext(ctx, `UPDATE volunteer_wishes SET failed_codes = failed_codes + 1 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("volunteer: wrong code %d: %w", id, err)
			}
			return nil
		}
		now := tx.Now()
		res, err := tx.ExecContext(ctx, `/* volunteer.fulfil */ UPDATE volunteer_wishes SET status = 'done', done_at = ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?`,
			now, id, actor.UserID)
		if err != nil {
			return fmt.Errorf("volunteer: fulfil %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.vol_wish_not_yours")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_ledger (user_id, user_name, community_code, minutes, points, reason, at, recorded_by)
			VALUES (?, ?, ?, 0, ?, ?, ?, ?)`, actor.UserID, actor.DisplayName, w.CommunityCode, WishPoints, "微心愿："+w.Title, now, "beneficiary"); err != nil {
			return fmt.Errorf("volunteer: wish points: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "volunteer.wish.fulfil", ObjectType: "volunteer_wish", ObjectID: strconv.FormatInt(id, 10),
			Region: w.CommunityCode, Detail: map[string]any{"title": w.Title}})
	})
	if err != nil {
		return Wish{}, err
	}
	if !good {
		return Wish{}, errs.Field("code", "rule.vol_wish_code", strconv.Itoa(MaxCodeTries))
	}
	return s.Wish(ctx, actor.Scope, id)
}
