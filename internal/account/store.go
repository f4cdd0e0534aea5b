package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

const userCols = `id, username, display_name, role, region_code, COALESCE(department_id, 0), phone_enc, phone_masked,
	password_hash, failed_logins, locked_until, disabled_at, last_login_at, created_at, updated_at, version, must_change_password, organisation`

func scanUser(s db.Scanner) (*User, error) {
	u := &User{}
	var role string
	var disabled *time.Time
	err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.RegionCode, &u.DepartmentID, &u.phoneEnc, &u.PhoneMasked,
		&u.passwordHash, &u.failed, &u.LockedUntil, &disabled, &u.LastLoginAt, &u.CreatedAt, &u.UpdatedAt, &u.Version, &u.MustChangePassword, &u.Organisation)
	u.Role = authz.Role(role)
	u.Disabled = disabled != nil
	return u, err
}

// findUser returns a user in scope by id.
func findUser(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (*User, error) {
	qb := db.NewQuery(`/* account.findUser */ SELECT `+userCols+` FROM account_users`).
		And("id = ?", id).Scope(sc, "region_code", "department_id")
	s, args := qb.SQL()
	u, err := db.One(ctx, q, s, args, scanUser, error(errs.NotFoundf("kind.user")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, fmt.Errorf("account: find user %d: %w", id, err)
	}
	return u, err
}

// findUserByName is unscoped: login looks the name up before anyone is known.
func unscopedFindUserByName(ctx context.Context, q db.Querier, name string) (*User, error) {
	u, err := db.One(ctx, q, `/* account.findUserByName */ SELECT `+userCols+` FROM account_users WHERE username = ?`,
		[]any{name}, scanUser, error(errs.NotFoundf("kind.user")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, fmt.Errorf("account: find user %q: %w", name, err)
	}
	return u, err
}

// filterUsers adds f's conditions (all but the page cursor) to qb.
func filterUsers(qb *db.Query, sc authz.Scope, f UserFilter, phoneHash string) *db.Query {
	qb.Scope(sc, "region_code", "department_id")
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "region_code", "")
	}
	if f.Role != "" {
		qb.And("role = ?", string(f.Role))
	}
	if f.Query != "" {
		qb.And("(lower(username) LIKE lower(?) OR display_name LIKE ?)", "%"+f.Query+"%", "%"+f.Query+"%")
	}
	if phoneHash != "" {
		qb.And("phone_hash = ?", phoneHash)
	}
	return qb
}

func findUsers(ctx context.Context, q db.Querier, sc authz.Scope, f UserFilter, phoneHash string) ([]*User, error) {
	qb := filterUsers(db.NewQuery(`/* account.findUsers */ SELECT `+userCols+` FROM account_users`), sc, f, phoneHash)
	if f.AfterID > 0 {
		qb.And("id > ?", f.AfterID)
	}
	qb.Tail("ORDER BY id LIMIT ?", f.Limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanUser)
	if err != nil {
		return nil, fmt.Errorf("account: find users: %w", err)
	}
	return out, nil
}

// countFilteredUsers counts the accounts in scope that f selects, on
// every page.
func countFilteredUsers(ctx context.Context, q db.Querier, sc authz.Scope, f UserFilter, phoneHash string) (int, error) {
	s, args := filterUsers(db.NewQuery(`/* account.countFilteredUsers */ SELECT COUNT(*) FROM account_users`), sc, f, phoneHash).SQL()
	var n int
	if err := q.QueryRowContext(ctx, s, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("account: count users: %w", err)
	}
	return n, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func insertUser(ctx context.Context, tx *db.Tx, u *User, phoneHash string) error {
	now := tx.Now()
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	err := tx.QueryRowContext(ctx, `/* account.insertUser */
		INSERT INTO account_users (username, display_name, role, region_code, department_id, phone_enc, phone_hash, phone_masked,
			password_hash, password_changed_at, created_at, updated_at, must_change_password, organisation)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Username, u.DisplayName, string(u.Role), u.RegionCode, nullID(u.DepartmentID), u.phoneEnc, phoneHash, u.PhoneMasked,
		u.passwordHash, now, now, now, u.MustChangePassword, u.Organisation).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return errs.Field("username", "rule.unique", "")
	}
	if err != nil {
		return fmt.Errorf("account: insert user: %w", err)
	}
	return nil
}

// updateUser writes the mutable columns if the version still matches.
func updateUser(ctx context.Context, tx *db.Tx, u *User, phoneHash string, disabledAt *time.Time) error {
	res, err := tx.ExecContext(ctx, `/* account.updateUser */
		UPDATE account_users SET display_name = ?, phone_enc = ?, phone_hash = ?, phone_masked = ?, disabled_at = ?,
			locked_until = ?, failed_logins = ?, role = ?, region_code = ?, department_id = ?, organisation = ?,
			updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		u.DisplayName, u.phoneEnc, phoneHash, u.PhoneMasked, disabledAt, u.LockedUntil, u.failed,
		string(u.Role), u.RegionCode, nullID(u.DepartmentID), u.Organisation, tx.Now(), u.ID, u.Version)
	if err != nil {
		return fmt.Errorf("account: update user %d: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "err.conflict")
	}
	u.Version++
	u.UpdatedAt = tx.Now()
	return nil
}

func setPassword(ctx context.Context, tx *db.Tx, id int64, hash string, mustChange bool) error {
	_, err := tx.ExecContext(ctx, `/* account.setPassword */
		UPDATE account_users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL,
			must_change_password = ?, updated_at = ?, version = version + 1 WHERE id = ?`, hash, tx.Now(), mustChange, tx.Now(), id)
	if err != nil {
		return fmt.Errorf("account: set password %d: %w", id, err)
	}
	return endAccess(ctx, tx, id)
}

// endAccess ends every session of account id and revokes its API tokens
// for good: after a password reset or a disable nothing issued before
// works again, and re-enabling the account brings none of it back.
func endAccess(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `/* account.endAccess */ DELETE FROM account_sessions WHERE user_id = ?`, id); err != nil {
		return fmt.Errorf("account: end sessions of %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `/* account.endAccess */ UPDATE account_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.Now(), id); err != nil {
		return fmt.Errorf("account: revoke tokens of %d: %w", id, err)
	}
	return nil
}

// releaseGrids ends the grid assignments of account u that its placement
// no longer serves: all of them unless it is a grid or community worker,
// else those outside its community (or its grid). It returns the grids
// released.
func releaseGrids(ctx context.Context, tx *db.Tx, u *User) ([]string, error) {
	gs, err := db.Collect(ctx, tx, `/* account.releaseGrids */ SELECT grid_code FROM account_grid_assignments WHERE user_id = ? ORDER BY grid_code`,
		[]any{u.ID}, func(r db.Scanner) (string, error) {
			var g string
			err := r.Scan(&g)
			return g, err
		})
	if err != nil {
		return nil, fmt.Errorf("account: grids of %d: %w", u.ID, err)
	}
	worker := u.Role == authz.RoleGridWorker || u.Role == authz.RoleCommunityWorker
	released := []string{}
	for _, g := range gs {
		if worker && (g == u.RegionCode || len(g) > 12 && g[:12] == u.RegionCode) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `/* account.releaseGrids */ DELETE FROM account_grid_assignments WHERE user_id = ? AND grid_code = ?`, u.ID, g); err != nil {
			return nil, fmt.Errorf("account: release grid %s of %d: %w", g, u.ID, err)
		}
		released = append(released, g)
	}
	return released, nil
}

// claimLoginAttempt takes one of the max tries of account id before its
// password is checked, and returns its number (1…max), or 0 when the
// account is locked or every try is taken. An expired lock gives the
// tries back first. Each step is one statement, so concurrent logins
// cannot claim more than max tries between them.
func claimLoginAttempt(ctx context.Context, d *db.DB, id int64, max int) (int, error) {
	now := d.Now()
	if _, err := d.ExecContext(ctx, `/* account.claimLoginAttempt */
		UPDATE account_users SET failed_logins = 0, locked_until = NULL WHERE id = ? AND locked_until IS NOT NULL AND locked_until <= ?`, id, now); err != nil {
		return 0, fmt.Errorf("account: release lock %d: %w", id, err)
	}
	var n int
	err := d.QueryRowContext(ctx, `/* account.claimLoginAttempt */
		UPDATE account_users SET failed_logins = failed_logins + 1 WHERE id = ? AND locked_until IS NULL AND failed_logins < ? RETURNING failed_logins`,
		id, max).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("account: claim login attempt %d: %w", id, err)
	}
	return n, nil
}

// lockUser locks account id for lockFor; its tries stay taken until then.
func lockUser(ctx context.Context, tx *db.Tx, id int64, lockFor time.Duration) error {
	_, err := tx.ExecContext(ctx, `/* account.lockUser */ UPDATE account_users SET locked_until = ? WHERE id = ?`, tx.Now().Add(lockFor), id)
	if err != nil {
		return fmt.Errorf("account: lock %d: %w", id, err)
	}
	return nil
}

func recordLoginSuccess(ctx context.Context, tx *db.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `/* account.recordLoginSuccess */
		UPDATE account_users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, tx.Now(), id)
	return err
}

type session struct {
	userID   int64
	lastSeen time.Time
	expires  time.Time
}

func insertSession(ctx context.Context, tx *db.Tx, hash string, userID int64, expires time.Time, ip, ua string) error {
	_, err := tx.ExecContext(ctx, `/* account.insertSession */
		INSERT INTO account_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, userID, tx.Now(), tx.Now(), expires, ip, ua)
	if err != nil {
		return fmt.Errorf("account: insert session: %w", err)
	}
	return nil
}

func findSession(ctx context.Context, q db.Querier, hash string) (session, error) {
	var s session
	err := q.QueryRowContext(ctx, `/* account.findSession */
		SELECT user_id, last_seen_at, expires_at FROM account_sessions WHERE token_hash = ?`, hash).
		Scan(&s.userID, &s.lastSeen, &s.expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.E(errs.Unauthorized, "err.session_expired")
	}
	if err != nil {
		return s, fmt.Errorf("account: find session: %w", err)
	}
	return s, nil
}

func touchSession(ctx context.Context, q db.Querier, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `/* account.touchSession */ UPDATE account_sessions SET last_seen_at = ? WHERE token_hash = ?`, now, hash)
	return err
}

func deleteSession(ctx context.Context, q db.Querier, hash string) error {
	_, err := q.ExecContext(ctx, `/* account.deleteSession */ DELETE FROM account_sessions WHERE token_hash = ?`, hash)
	return err
}

const tokenCols = `id, user_id, name, prefix, created_at, last_used_at, revoked_at`

func scanToken(s db.Scanner) (Token, error) {
	var t Token
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

func insertToken(ctx context.Context, tx *db.Tx, t *Token, hash string, by int64) error {
	t.CreatedAt = tx.Now()
	err := tx.QueryRowContext(ctx, `/* account.insertToken */
		INSERT INTO account_tokens (user_id, name, prefix, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.UserID, t.Name, t.Prefix, hash, t.CreatedAt, nullID(by)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("account: insert token: %w", err)
	}
	return nil
}

// findTokens lists the tokens of users in scope (userID 0: all of them).
func findTokens(ctx context.Context, q db.Querier, sc authz.Scope, userID, afterID int64, limit int) ([]Token, error) {
	qb := db.NewQuery(`/* account.findTokens */ SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
		FROM account_tokens t JOIN account_users u ON u.id = t.user_id`).Scope(sc, "u.region_code", "u.department_id")
	if userID != 0 {
		qb.And("t.user_id = ?", userID)
	}
	if afterID > 0 {
		qb.And("t.id > ?", afterID)
	}
	qb.Tail("ORDER BY t.id LIMIT ?", limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanToken)
	if err != nil {
		return nil, fmt.Errorf("account: find tokens: %w", err)
	}
	return out, nil
}

func findTokenByHash(ctx context.Context, q db.Querier, hash string) (Token, error) {
	t, err := db.One(ctx, q, `/* account.findTokenByHash */ SELECT `+tokenCols+` FROM account_tokens WHERE token_hash = ?`,
		[]any{hash}, scanToken, error(errs.E(errs.Unauthorized, "err.bad_token")))
	if err != nil && errs.CodeOf(err) != errs.Unauthorized {
		return t, fmt.Errorf("account: find token: %w", err)
	}
	return t, err
}

func touchToken(ctx context.Context, q db.Querier, id int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `/* account.touchToken */ UPDATE account_tokens SET last_used_at = ? WHERE id = ?`, now, id)
	return err
}

func revokeToken(ctx context.Context, tx *db.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `/* account.revokeToken */ UPDATE account_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now(), id)
	if err != nil {
		return fmt.Errorf("account: revoke token %d: %w", id, err)
	}
	return nil
}

// countUsers counts all accounts; the CLI uses it to tell a fresh database.
func countUsers(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `/* account.countUsers */ SELECT COUNT(*) FROM account_users`).Scan(&n)
	return n, err
}
