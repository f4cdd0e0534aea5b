package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"regexp"
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
	"grassroots/internal/territory"
)

// Config holds the security settings of accounts.
type Config struct {
	IdleTimeout time.Duration // a session ends after this long unused (30 min)
	MaxSession  time.Duration // and after this long in any case (12 h)
	MaxFailures int           // failed logins before a lockout (5)
	LockFor     time.Duration // how long a lockout lasts (15 min)
	Argon2      Argon2Params
	// Demo are the accounts the login page offers on a site started by
	// `grassroots demo`; empty elsewhere.
	Demo DemoLogins
}

// DefaultConfig is the 等保 2.0 level-3 baseline.
var DefaultConfig = Config{IdleTimeout: 30 * time.Minute, MaxSession: 12 * time.Hour, MaxFailures: 5,
	LockFor: 15 * time.Minute, Argon2: DefaultArgon2}

// Service is the account module's API.
type Service struct {
	db      *db.DB
	regions *territory.Service
	policy  *authz.Policy
	keys    *pii.Keyring
	cfg     Config
	// dummyHash makes a login for an unknown name cost as much as one for
	// a known name, so timing does not tell which names exist.
	dummyHash string
}

// NewService returns the account service.
func NewService(d *db.DB, regions *territory.Service, policy *authz.Policy, keys *pii.Keyring, cfg Config) *Service {
	return &Service{db: d, regions: regions, policy: policy, keys: keys, cfg: cfg,
		dummyHash: hashPassword("not a password", cfg.Argon2)}
}

// Policy returns the role policy.
func (s *Service) Policy() *authz.Policy { return s.policy }

var usernameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$`)

func roleList() string {
	var rs []string
	for _, r := range authz.Roles {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ", ")
}

// CreateUser adds an account inside the actor's scope, with a role no
// stronger than the actor's own.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	actor := authz.ActorFrom(ctx)
	var fe errs.Fields
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = text.LineField(&fe, "display_name", in.DisplayName)
	in.Phone = pii.NormalisePhone(in.Phone)
	if !usernameRe.MatchString(in.Username) {
		fe.Add("username", "rule.username", "")
	}
	if in.DisplayName == "" {
		fe.Add("display_name", "rule.required", "")
	} else if utf8.RuneCountInString(in.DisplayName) > 50 {
		fe.Add("display_name", "rule.max_length", "50")
	}
	if in.Phone != "" && !pii.ValidPhone(in.Phone) {
		fe.Add("phone", "rule.phone", "")
	}
	pl := Placement{Role: in.Role, RegionCode: in.RegionCode, DepartmentID: in.DepartmentID, Organisation: in.Organisation}
	if err := s.checkPlacement(ctx, &fe, &pl); err != nil {
		return nil, err
	}
	in.Organisation = pl.Organisation
	validatePassword(&fe, "password", in.Password, in.Username)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	u := &User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, RegionCode: in.RegionCode,
		DepartmentID: in.DepartmentID, Organisation: in.Organisation, PhoneMasked: maskPhone(in.Phone), passwordHash: hashPassword(in.Password, s.cfg.Argon2),
		// A person who sets another's first password knows it: the holder
		// replaces it at the first sign-in. The command line and the demo
		// (system work) set passwords their holders type themselves.
		MustChangePassword: actor != nil && !actor.System && in.Role != authz.RoleIntegration}
	var err error
	if u.phoneEnc, err = s.keys.Encrypt(in.Phone); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := insertUser(ctx, tx, u, s.keys.Hash(in.Phone)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.user.create", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Region: u.RegionCode, After: u})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Placement is where an account sits: its role, its division, its
// department (department staff) and its company (property companies).
type Placement struct {
	Role         authz.Role `json:"role"`
	RegionCode   string     `json:"region_code"`
	DepartmentID int64      `json:"department_id,omitempty"`
	Organisation string     `json:"organisation,omitempty"`
}

func (u *User) placement() Placement {
	return Placement{Role: u.Role, RegionCode: u.RegionCode, DepartmentID: u.DepartmentID, Organisation: u.Organisation}
}

// checkPlacement checks a placement the actor gives an account, the one
// rule for new accounts and for moved ones: a role the actor may grant,
// a division in the actor's scope at a level the role may sit at
// (regionLevels), a department serving it for department staff and none
// for the others, a company for property companies. It trims p's text
// and clears what p's role does not hold.
func (s *Service) checkPlacement(ctx context.Context, fe *errs.Fields, p *Placement) error {
	actor := authz.ActorFrom(ctx)
	switch {
	case !p.Role.Valid():
		fe.Add("role", "rule.one_of", roleList())
	case actor != nil && !actor.System && p.Role == authz.RolePropertyCompany && !s.policy.CanGrant(actor.Role, p.Role):
		fe.Add("role", "rule.role_grant_property", "")
	case actor != nil && !actor.System && !s.policy.CanGrant(actor.Role, p.Role):
		fe.Add("role", "rule.role_grant", "")
	}
	if p.Role == authz.RolePropertyCompany {
		p.Organisation = text.LineField(fe, "organisation", p.Organisation)
		if p.Organisation == "" || utf8.RuneCountInString(p.Organisation) > 100 {
			fe.Add("organisation", "rule.length", "1–100")
		}
	} else {
		p.Organisation = ""
	}
	if p.RegionCode == "" {
		fe.Add("region_code", "rule.required", "")
	} else if reg, err := s.regions.ContainsRegion(ctx, p.RegionCode); err != nil {
		if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		fe.Add("region_code", "rule.region_code", p.RegionCode)
	} else if p.Role.Valid() && !levelAllowed(p.Role, reg.Level) {
		fe.Add("region_code", "rule.role_level", levelNames(p.Role))
	}
	if p.Role.Valid() {
		return s.checkDepartment(ctx, fe, authz.ScopeFrom(ctx), p.Role, p.RegionCode, p.DepartmentID)
	}
	return nil
}

// levelAllowed reports whether an account of role r may sit at a division
// of level l (the level it was imported with, not its code's length: a
// municipality is a city at two digits).
func levelAllowed(r authz.Role, l territory.Level) bool {
	return slices.Contains(regionLevels[r], l)
}

func levelNames(r authz.Role) string {
	var out []string
	for _, l := range regionLevels[r] {
		out = append(out, string(l))
	}
	return strings.Join(out, ", ")
}

// checkDepartment enforces: department staff name a department that the
// actor may see, that serves the account's region; other roles name none.
func (s *Service) checkDepartment(ctx context.Context, fe *errs.Fields, sc authz.Scope, role authz.Role, region string, dept int64) error {
	if !role.NeedsDepartment() {
		if dept != 0 {
			fe.Add("department_id", "rule.no_department", "")
		}
		return nil
	}
	if dept == 0 {
		fe.Add("department_id", "rule.department", "")
		return nil
	}
	d, err := s.regions.Department(ctx, dept)
	if errs.CodeOf(err) == errs.NotFound {
		fe.Add("department_id", "rule.department", "")
		return nil
	}
	if err != nil {
		return err
	}
	// A department's accounts are made at its own level or above: a
	// subdistrict does not staff the district's bureau (and act as it).
	if !strings.HasPrefix(region, d.RegionCode) || (sc.Department != 0 && sc.Department != dept) || !sc.Contains(d.RegionCode) {
		fe.Add("department_id", "rule.department", "")
	}
	return nil
}

// User returns one account in the actor's scope.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	return findUser(ctx, s.db, readScope(authz.ActorFrom(ctx), id), id)
}

// Users lists accounts in the actor's scope.
func (s *Service) Users(ctx context.Context, f UserFilter) ([]*User, error) {
	f, err := checkUserFilter(f)
	if err != nil {
		return nil, err
	}
	return findUsers(ctx, s.db, authz.ScopeFrom(ctx), f, s.keys.Hash(f.Phone))
}

// UserPage lists a page of the accounts in the actor's scope that f
// selects, with the number of all of them.
func (s *Service) UserPage(ctx context.Context, f UserFilter) ([]*User, int, error) {
	f, err := checkUserFilter(f)
	if err != nil {
		return nil, 0, err
	}
	sc, hash := authz.ScopeFrom(ctx), s.keys.Hash(f.Phone)
	us, err := findUsers(ctx, s.db, sc, f, hash)
	if err != nil {
		return nil, 0, err
	}
	n, err := countFilteredUsers(ctx, s.db, sc, f, hash)
	return us, n, err
}

func checkUserFilter(f UserFilter) (UserFilter, error) {
	var fe errs.Fields
	if f.Role != "" && !f.Role.Valid() {
		fe.Add("role", "rule.one_of", roleList())
	}
	f.Phone = pii.NormalisePhone(f.Phone)
	if f.Phone != "" && !pii.ValidPhone(f.Phone) {
		fe.Add("phone", "rule.phone", "")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return f, fe.Err()
}

// Personal returns a user's unmasked personal data and records the read.
func (s *Service) Personal(ctx context.Context, id int64) (Personal, error) {
	var p Personal
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := findUser(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		phone, err := s.keys.Decrypt(u.phoneEnc)
		if err != nil {
			return fmt.Errorf("account: user %d phone: %w", id, err)
		}
		p = Personal{UserID: id, Phone: phone}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.user.read_personal", ObjectType: "user",
			ObjectID: strconv.FormatInt(id, 10), Region: u.RegionCode, Detail: map[string]string{"fields": "phone"}})
	})
	return p, err
}

// UpdateUser changes an account the actor manages. The version must match
// the stored one, so two people editing at once cannot lose a change.
//
// A change of role, division, department or company (its placement) is
// made only by someone whose scope covers both the old placement and the
// new one and who may grant both roles; it ends the account's sessions
// and revokes its API tokens at once, since they carried the old scope,
// and releases the grids that the new placement does not serve. It is
// audited as account.user.placement in the narrowest division holding
// both placements, where everybody who could have made it reads it.
func (s *Service) UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error) {
	actor := authz.ActorFrom(ctx)
	cur, err := findUser(ctx, s.db, authz.ScopeFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	if actor != nil && !actor.System && !s.policy.CanGrant(actor.Role, cur.Role) {
		return nil, errs.E(errs.Forbidden, "err.manage_stronger")
	}
	if upd.Version != cur.Version {
		return nil, errs.E(errs.Conflict, "err.conflict")
	}
	pl, moved, err := s.newPlacement(ctx, cur, upd)
	if err != nil {
		return nil, err
	}
	var out *User
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := findUser(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if upd.Version != u.Version {
			return errs.E(errs.Conflict, "err.conflict")
		}
		if actor != nil && actor.UserID == id && upd.Disabled != nil && *upd.Disabled {
			return errs.Field("disabled", "rule.not_self", "")
		}
		before := *u
		var fe errs.Fields
		if upd.DisplayName != nil {
			n := text.LineField(&fe, "display_name", *upd.DisplayName)
			if n == "" {
				fe.Add("display_name", "rule.required", "")
			} else if utf8.RuneCountInString(n) > 50 {
				fe.Add("display_name", "rule.max_length", "50")
			}
			u.DisplayName = n
		}
		phoneHash := ""
		if upd.Phone != nil {
			p := pii.NormalisePhone(*upd.Phone)
			if p != "" && !pii.ValidPhone(p) {
				fe.Add("phone", "rule.phone", "")
			}
			if u.phoneEnc, err = s.keys.Encrypt(p); err != nil {
				return err
			}
			u.PhoneMasked, phoneHash = maskPhone(p), s.keys.Hash(p)
		} else {
			plain, err := s.keys.Decrypt(u.phoneEnc)
			if err != nil {
				return err
			}
			phoneHash = s.keys.Hash(plain)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		var disabledAt *time.Time
		if upd.Disabled != nil {
			u.Disabled = *upd.Disabled
		}
		if u.Disabled {
			now := tx.Now()
			disabledAt = &now
		}
		if upd.Unlock {
			u.LockedUntil, u.failed = nil, 0
		}
		u.Role, u.RegionCode, u.DepartmentID, u.Organisation = pl.Role, pl.RegionCode, pl.DepartmentID, pl.Organisation
		if err := updateUser(ctx, tx, u, phoneHash, disabledAt); err != nil {
			return err
		}
		if u.Disabled || moved {
			if err := endAccess(ctx, tx, id); err != nil {
				return err
			}
		}
		out = u
		e := audit.Entry{Action: "account.user.update", ObjectType: "user",
			ObjectID: strconv.FormatInt(id, 10), Region: u.RegionCode, Before: before, After: u}
		if moved {
			released, err := releaseGrids(ctx, tx, u)
			if err != nil {
				return err
			}
			e.Action, e.Region = "account.user.placement", commonDivision(before.RegionCode, u.RegionCode)
			e.Detail = map[string]any{"from": before.placement(), "to": u.placement(), "grids_released": released}
		}
		return audit.Record(ctx, tx, e)
	})
	return out, err
}

// newPlacement is the placement upd gives account u, checked, and whether
// it differs from the current one.
func (s *Service) newPlacement(ctx context.Context, u *User, upd UserUpdate) (Placement, bool, error) {
	cur := u.placement()
	if upd.Role == nil && upd.RegionCode == nil && upd.DepartmentID == nil && upd.Organisation == nil {
		return cur, false, nil
	}
	pl := cur
	if upd.Role != nil {
		pl.Role = *upd.Role
	}
	if upd.RegionCode != nil {
		pl.RegionCode = strings.TrimSpace(*upd.RegionCode)
	}
	switch {
	case upd.DepartmentID != nil:
		pl.DepartmentID = *upd.DepartmentID
	case !pl.Role.NeedsDepartment():
		pl.DepartmentID = 0 // a role without a department leaves it
	}
	if upd.Organisation != nil {
		pl.Organisation = *upd.Organisation
	}
	var fe errs.Fields
	if err := s.checkPlacement(ctx, &fe, &pl); err != nil {
		return pl, false, err
	}
	if pl == cur {
		return pl, false, nil
	}
	if a := authz.ActorFrom(ctx); a != nil && !a.System && a.UserID == u.ID {
		fe.Add("role", "rule.own_placement", "")
	}
	return pl, true, fe.Err()
}

// placementLens are the code lengths of the division levels.
var placementLens = []int{15, 12, 9, 6, 4, 2}

// commonDivision is the code of the narrowest division holding both a
// and b.
func commonDivision(a, b string) string {
	for _, n := range placementLens {
		if len(a) >= n && len(b) >= n && a[:n] == b[:n] {
			return a[:n]
		}
	}
	return ""
}

// SetPassword resets the password of another account the actor manages
// (or, without an actor, any account from the command line), ends its
// sessions, revokes its API tokens and lifts a lockout. One's own password
// changes only with the current one (ChangeOwnPassword): a stolen session
// must not become a permanent takeover.
func (s *Service) SetPassword(ctx context.Context, id int64, pw string) error {
	actor := authz.ActorFrom(ctx)
	if actor != nil && actor.UserID == id {
		return errs.Field("password", "rule.own_password", "")
	}
	return s.setPassword(ctx, id, pw)
}

func (s *Service) setPassword(ctx context.Context, id int64, pw string) error {
	actor := authz.ActorFrom(ctx)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := findUser(ctx, tx, readScope(actor, id), id)
		if err != nil {
			return err
		}
		if actor != nil && !actor.System && actor.UserID != id && !s.policy.CanGrant(actor.Role, u.Role) {
			return errs.E(errs.Forbidden, "err.manage_stronger")
		}
		var fe errs.Fields
		validatePassword(&fe, "password", pw, u.Username)
		if err := fe.Err(); err != nil {
			return err
		}
		byOther := actor != nil && !actor.System && actor.UserID != id && u.Role != authz.RoleIntegration
		if err := setPassword(ctx, tx, id, hashPassword(pw, s.cfg.Argon2), byOther); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.user.password", ObjectType: "user",
			ObjectID: strconv.FormatInt(id, 10), Region: u.RegionCode})
	})
}

// ChangeOwnPassword lets the signed-in actor change their password.
func (s *Service) ChangeOwnPassword(ctx context.Context, old, pw string) error {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	u, err := findUser(ctx, s.db, readScope(a, a.UserID), a.UserID)
	if err != nil {
		return err
	}
	// Guessing the current password counts against the same tries as
	// signing in: a stolen session cannot try it without limit.
	n, err := claimLoginAttempt(ctx, s.db, u.ID, s.cfg.MaxFailures)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.Field("old_password", "rule.wrong_password", "")
	}
	if !checkPassword(u.passwordHash, old) {
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			action := "account.password.wrong"
			if n >= s.cfg.MaxFailures {
				if err := lockUser(ctx, tx, u.ID, s.cfg.LockFor); err != nil {
					return err
				}
				action = "account.locked"
			}
			return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Region: u.RegionCode,
				Detail: map[string]string{"reason": "wrong current password"}})
		})
		if err != nil {
			return err
		}
		return errs.Field("old_password", "rule.wrong_password", "")
	}
	if old == pw {
		return errs.Field("password", "rule.same_password", "")
	}
	return s.setPassword(ctx, a.UserID, pw)
}

// UserByName finds an account by name, for the command line.
func (s *Service) UserByName(ctx context.Context, name string) (*User, error) {
	return unscopedFindUserByName(ctx, s.db, name)
}

// CountUsers counts every account.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return countUsers(ctx, s.db) }

// Session is a new login.
type Session struct {
	Token   string
	Expires time.Time
	// Lifetime is how long the session lasts at most, from now.
	Lifetime time.Duration
	User     *User
}

// Login checks a name and password. Unknown names, wrong passwords and
// locked accounts get the same answer, in about the same time, so the
// answer tells nobody which names exist. After MaxFailures wrong passwords
// the account is locked for LockFor, and the lockout is audited. Each
// attempt claims one of the MaxFailures tries in one atomic statement
// before the password is checked, so parallel guesses cannot check more
// passwords than the limit, and none is checked while the lock holds.
func (s *Service) Login(ctx context.Context, username, password, userAgent string) (Session, error) {
	fail := errs.E(errs.Unauthorized, "err.login_failed")
	var fe errs.Fields
	if strings.TrimSpace(username) == "" {
		fe.Add("username", "rule.required", "")
	}
	if password == "" {
		fe.Add("password", "rule.required", "")
	}
	if err := fe.Err(); err != nil {
		return Session{}, err
	}
	u, err := unscopedFindUserByName(ctx, s.db, strings.TrimSpace(username))
	if errs.CodeOf(err) == errs.NotFound {
		checkPassword(s.dummyHash, password)
		root, _ := s.regions.Root(ctx) // anonymous events belong to the whole city
		_ = audit.RecordRead(ctx, s.db, audit.Entry{Action: "account.login.failed", ObjectType: "user", ObjectID: "name:" + truncate(username, 64),
			Region: root, Detail: map[string]string{"reason": "unknown user"}})
		return Session{}, fail
	}
	if err != nil {
		return Session{}, err
	}
	region := u.RegionCode
	id := strconv.FormatInt(u.ID, 10)
	n, err := claimLoginAttempt(ctx, s.db, u.ID, s.cfg.MaxFailures)
	if err != nil {
		return Session{}, err
	}
	if n == 0 {
		checkPassword(s.dummyHash, password)
		_ = audit.RecordRead(ctx, s.db, audit.Entry{Action: "account.login.refused_locked", ObjectType: "user", ObjectID: id, Region: region})
		return Session{}, fail
	}
	if !checkPassword(u.passwordHash, password) {
		locked := n >= s.cfg.MaxFailures
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			action := "account.login.failed"
			if locked {
				if err := lockUser(ctx, tx, u.ID, s.cfg.LockFor); err != nil {
					return err
				}
				action = "account.locked"
			}
			return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "user", ObjectID: id, Region: region,
				Detail: map[string]string{"reason": "wrong password"}})
		})
		if err != nil {
			return Session{}, err
		}
		return Session{}, fail
	}
	if u.Disabled || u.Role == authz.RoleIntegration {
		// Integration accounts use tokens only.
		_ = audit.RecordRead(ctx, s.db, audit.Entry{Action: "account.login.refused_disabled", ObjectType: "user", ObjectID: id, Region: region})
		return Session{}, fail
	}
	actor, err := s.actor(ctx, u, 0)
	if err != nil {
		return Session{}, err
	}
	tok := randomToken(32)
	sess := Session{Token: tok, Expires: s.db.Now().Add(s.cfg.MaxSession), Lifetime: s.cfg.MaxSession, User: u}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := recordLoginSuccess(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := insertSession(ctx, tx, hashToken(tok), u.ID, sess.Expires, authz.ClientFrom(ctx).IP, truncate(userAgent, 200)); err != nil {
			return err
		}
		return audit.Record(authz.WithActor(ctx, actor), tx, audit.Entry{Action: "account.login", ObjectType: "user", ObjectID: id, Region: region})
	})
	return sess, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	h := hashToken(token)
	sess, err := findSession(ctx, s.db, h)
	if err != nil {
		return nil // already gone
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := deleteSession(ctx, tx, h); err != nil {
			return err
		}
		a := authz.ActorFrom(ctx)
		region := ""
		if a != nil {
			region = a.Scope.Region
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.logout", ObjectType: "user",
			ObjectID: strconv.FormatInt(sess.userID, 10), Region: region})
	})
}

// SessionActor resolves a session cookie, enforcing the idle and absolute
// timeouts, and keeps the session alive.
func (s *Service) SessionActor(ctx context.Context, token string) (*authz.Actor, error) {
	h := hashToken(token)
	sess, err := findSession(ctx, s.db, h)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	if now.Sub(sess.lastSeen) > s.cfg.IdleTimeout || now.After(sess.expires) {
		_ = deleteSession(ctx, s.db, h)
		return nil, errs.E(errs.Unauthorized, "err.session_expired")
	}
	u, err := findUser(ctx, s.db, authz.All, sess.userID)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthorized, "err.session_expired")
	}
	if now.Sub(sess.lastSeen) > time.Minute {
		if err := touchSession(ctx, s.db, h, now); err != nil {
			return nil, fmt.Errorf("account: touch session: %w", err)
		}
	}
	return s.actor(ctx, u, 0)
}

// TokenActor resolves an API token.
func (s *Service) TokenActor(ctx context.Context, token string) (*authz.Actor, error) {
	t, err := findTokenByHash(ctx, s.db, hashToken(token))
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return nil, errs.E(errs.Unauthorized, "err.bad_token")
	}
	u, err := findUser(ctx, s.db, authz.All, t.UserID)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthorized, "err.bad_token")
	}
	now := s.db.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := touchToken(ctx, s.db, t.ID, now); err != nil {
			return nil, fmt.Errorf("account: touch token: %w", err)
		}
	}
	return s.actor(ctx, u, t.ID)
}

// ActorFor is the actor of account u: its role's permissions and its
// scope; a grid worker's scope is the grids assigned to them.
func (s *Service) ActorFor(ctx context.Context, u *User) (*authz.Actor, error) {
	return s.actor(ctx, u, 0)
}

func (s *Service) actor(ctx context.Context, u *User, tokenID int64) (*authz.Actor, error) {
	sc := u.Scope()
	if u.Role == authz.RoleGridWorker {
		gs, err := s.GridsOf(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		sc.GridsOnly, sc.Grids = true, gs
	}
	if u.Role == authz.RolePropertyCompany {
		sc.PropertyOnly, sc.Property = true, u.Organisation
	}
	a := &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
		Scope: sc, Perms: s.policy.Perms(u.Role), TokenID: tokenID}
	if u.MustChangePassword {
		// Until the holder has chosen their own password the account may
		// do nothing but that.
		a.Perms, a.MustChangePassword = nil, true
	}
	return a, nil
}

// Me returns the actor's own account, phone included (PIPL access right).
func (s *Service) Me(ctx context.Context) (Me, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return Me{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	u, err := findUser(ctx, s.db, readScope(a, a.UserID), a.UserID)
	if err != nil {
		return Me{}, err
	}
	phone, err := s.keys.Decrypt(u.phoneEnc)
	if err != nil {
		return Me{}, err
	}
	m := Me{User: *u, Phone: phone, Permissions: []authz.Perm{}}
	for _, p := range s.policy.All() {
		if a.Can(p) {
			m.Permissions = append(m.Permissions, p)
		}
	}
	return m, nil
}

const tokenPrefix = "grt_"

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes an API token for the actor or for an integration
// account the actor manages: a personal account's tokens are made by
// their holder only, or whoever manages the account could act as its
// holder. The secret is returned once and stored only hashed.
func (s *Service) CreateToken(ctx context.Context, a *authz.Actor, in TokenInput) (NewToken, error) {
	if a == nil {
		return NewToken{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if a.TokenID != 0 {
		// Tokens are made by a signed-in person: a token that leaks
		// cannot mint more of itself.
		return NewToken{}, errs.E(errs.Forbidden, "err.token_by_token")
	}
	return s.issueToken(ctx, a, in)
}

// UnscopedIssueToken makes a token for account userID without an actor,
// for the command line and the demo; the audit records it as system work.
func (s *Service) UnscopedIssueToken(ctx context.Context, userID int64, name string) (NewToken, error) {
	sys := authz.System("account.token")
	return s.issueToken(authz.WithActor(ctx, sys), sys, TokenInput{UserID: userID, Name: name})
}

func (s *Service) issueToken(ctx context.Context, a *authz.Actor, in TokenInput) (NewToken, error) {
	var fe errs.Fields
	in.Name = text.LineField(&fe, "name", in.Name)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > 60 {
		fe.Add("name", "rule.max_length", "60")
	}
	if err := fe.Err(); err != nil {
		return NewToken{}, err
	}
	if in.UserID == 0 {
		in.UserID = a.UserID
	}
	var out NewToken
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := s.tokenOwner(ctx, tx, a, in.UserID)
		if err != nil {
			return err
		}
		if u.ID != a.UserID && !a.System && u.Role != authz.RoleIntegration {
			return errs.Field("user_id", "rule.token_holder", "")
		}
		secret := tokenPrefix + randomToken(24)
		t := Token{UserID: u.ID, Name: in.Name, Prefix: secret[:len(tokenPrefix)+6]}
		if err := insertToken(ctx, tx, &t, hashToken(secret), a.UserID); err != nil {
			return err
		}
		out = NewToken{Token: t, Secret: secret}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.token.create", ObjectType: "token",
			ObjectID: strconv.FormatInt(t.ID, 10), Region: u.RegionCode, After: t})
	})
	return out, err
}

// tokenOwner returns the account whose tokens the actor may manage: their
// own, or one in scope whose role they could grant.
func (s *Service) tokenOwner(ctx context.Context, q db.Querier, a *authz.Actor, userID int64) (*User, error) {
	u, err := findUser(ctx, q, readScope(a, userID), userID)
	if err != nil || a.System {
		return u, err
	}
	if u.ID != a.UserID && (!a.Can(PermUserManage) || !s.policy.CanGrant(a.Role, u.Role)) {
		return nil, errs.NotFoundf("kind.user")
	}
	return u, nil
}

// Tokens lists the tokens of userID (0: the actor's own).
func (s *Service) Tokens(ctx context.Context, userID, afterID int64, limit int) ([]Token, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if userID == 0 {
		userID = a.UserID
	}
	if _, err := s.tokenOwner(ctx, s.db, a, userID); err != nil {
		return nil, err
	}
	return findTokens(ctx, s.db, readScope(a, userID), userID, afterID, limit)
}

// RevokeToken revokes a token the actor may manage.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		row := tx.QueryRowContext(ctx, `/* account.RevokeToken */ SELECT `+tokenCols+` FROM account_tokens WHERE id = ?`, id)
		t, err := scanToken(row)
		if err != nil {
			return errs.NotFoundf("kind.token")
		}
		u, err := s.tokenOwner(ctx, tx, a, t.UserID)
		if err != nil {
			return errs.NotFoundf("kind.token")
		}
		if err := revokeToken(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.token.revoke", ObjectType: "token",
			ObjectID: strconv.FormatInt(id, 10), Region: u.RegionCode})
	})
}

// CountRoleByChild counts active accounts of a role under root, grouped by
// the first childLen characters of their region code.
func (s *Service) CountRoleByChild(ctx context.Context, root string, childLen int, role authz.Role) (map[string]int, error) {
	qb := db.NewQuery(fmt.Sprintf(`/* account.CountRoleByChild */ SELECT substr(region_code, 1, %d) AS k, COUNT(*) FROM account_users`, childLen)).
		Scope(authz.ScopeFrom(ctx), "region_code", "department_id").And("role = ?", string(role)).And("disabled_at IS NULL").
		Under("region_code", root)
	qb.Tail("GROUP BY k")
	q, args := qb.SQL()
	type row struct {
		k string
		n int
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.n)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("account: count %s: %w", role, err)
	}
	out := map[string]int{}
	for _, x := range rows {
		out[x.k] = x.n
	}
	return out, nil
}

// Rehash recomputes the phone search hashes stored in an older hash
// format; it runs once, as a data migration.
func (s *Service) Rehash(ctx context.Context) error {
	type row struct {
		id  int64
		enc string
	}
	rows, err := db.Collect(ctx, s.db, `/* account.Rehash */ SELECT id, phone_enc FROM account_users WHERE phone_enc <> '' AND length(phone_hash) <> ?`,
		[]any{pii.HashLen}, func(r db.Scanner) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.enc)
			return x, err
		})
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, x := range rows {
			phone, err := s.keys.Decrypt(x.enc)
			if err != nil {
				return fmt.Errorf("account %d: %w", x.id, err)
			}
			if _, err := tx.ExecContext(ctx, `/* account.Rehash */ UPDATE account_users SET phone_hash = ? WHERE id = ?`, s.keys.Hash(phone), x.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// readScope is the scope in which actor a reads account id: its own scope,
// or, for its own account, that one account whatever the scope (a grid
// worker's account is bound to their community, outside their grids, yet
// they manage their own password and tokens).
func readScope(a *authz.Actor, id int64) authz.Scope {
	if a != nil && a.UserID != 0 && a.UserID == id {
		return authz.All
	}
	if a == nil {
		return authz.Scope{}
	}
	return a.Scope
}
