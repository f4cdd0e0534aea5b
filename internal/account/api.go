package account

import (
	"net/http"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// PasswordInput sets a password.
type PasswordInput struct {
	Password string `json:"password"`
}

func (h *handler) apiRoutes(r *web.Router) {
	r.API("GET /api/v1/me", authz.Authenticated, web.OpDoc{Summary: "The signed-in account, with its own personal data and permissions", Tag: "account",
		Response: Me{}}, h.apiMe)
	r.API("GET /api/v1/users", PermUserView, web.OpDoc{Summary: "Accounts in scope (phones masked)", Tag: "account",
		Query: append([]web.Param{{Name: "q", Type: "string", Description: "user name or display name contains"},
			{Name: "role", Type: "string"}, {Name: "region", Type: "string", Description: "region subtree"},
			{Name: "phone", Type: "string", Description: "exact mobile number"}}, web.PageQuery...),
		Response: web.List[*User]{}}, h.apiUserList)
	r.API("POST /api/v1/users", PermUserManage, web.OpDoc{Summary: "Create an account", Tag: "account",
		Body: UserInput{}, Response: User{}, Status: http.StatusCreated}, h.apiUserCreate)
	r.API("GET /api/v1/users/{id}", PermUserView, web.OpDoc{Summary: "One account", Tag: "account", Response: User{}}, web.Get("kind.user", h.svc.User))
	r.API("PATCH /api/v1/users/{id}", PermUserManage, web.OpDoc{Summary: "Change an account (optimistic: send its version); a new role, division or department ends its sessions and tokens", Tag: "account",
		Body: UserUpdate{}, Response: User{}}, web.Apply("kind.user", http.StatusOK, h.svc.UpdateUser))
	r.API("GET /api/v1/account-regions", PermUserView, web.OpDoc{Summary: "Divisions in scope where an account of a role may sit, by name, with their path", Tag: "account",
		Query: []web.Param{{Name: "role", Type: "string", Description: "only the levels the role may sit at; none: any level"},
			{Name: "q", Type: "string", Description: "name contains (the end of a path: 东湖区 › 滕王阁街道)"},
			{Name: "limit", Type: "integer", Description: "1–100, default 20"}},
		Response: web.List[Place]{}}, h.apiPlaces)
	r.API("GET /api/v1/users/{id}/personal", PermUserPII, web.OpDoc{Summary: "Unmasked personal data; every read is audited", Tag: "account",
		Response: Personal{}}, h.apiUserPersonal)
	r.API("PUT /api/v1/users/{id}/password", PermUserManage, web.OpDoc{Summary: "Set a new password; ends the account's sessions", Tag: "account",
		Body: PasswordInput{}, Status: http.StatusNoContent}, h.apiUserPassword)
	r.API("GET /api/v1/tokens", PermToken, web.OpDoc{Summary: "API tokens of yourself or of an account you manage", Tag: "account",
		Query: append([]web.Param{{Name: "user_id", Type: "integer"}}, web.PageQuery...), Response: web.List[Token]{}}, h.apiTokenList)
	r.API("POST /api/v1/tokens", PermToken, web.OpDoc{Summary: "Create an API token for yourself, or for an integration account you manage; the secret is returned once", Tag: "account",
		Body: TokenInput{}, Response: NewToken{}, Status: http.StatusCreated}, h.apiTokenCreate)
	r.API("DELETE /api/v1/tokens/{id}", PermToken, web.OpDoc{Summary: "Revoke an API token", Tag: "account",
		Status: http.StatusNoContent}, h.apiTokenRevoke)
}

func userID(r *http.Request) (int64, error) { return web.ObjectID(r, "kind.user") }

func (h *handler) apiMe(w http.ResponseWriter, r *http.Request) error {
	me, err := h.svc.Me(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, me)
}

func (h *handler) apiUserList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	users, err := h.svc.Users(r.Context(), UserFilter{Query: q.Get("q"), Role: authz.Role(q.Get("role")), Region: q.Get("region"),
		Phone: q.Get("phone"), AfterID: cur.ID, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(users, limit, func(u *User) web.Cursor { return web.Cursor{ID: u.ID} }))
}

func (h *handler) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in UserInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.svc.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return web.JSON(w, http.StatusCreated, u)
}

func (h *handler) apiUserPersonal(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	p, err := h.svc.Personal(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, p)
}

func (h *handler) apiUserPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in PasswordInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.SetPassword(r.Context(), id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) apiTokenList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	var uid int64
	if s := r.URL.Query().Get("user_id"); s != "" {
		if uid, err = strconv.ParseInt(s, 10, 64); err != nil {
			return errs.Field("user_id", "rule.json_type", "integer")
		}
	}
	ts, err := h.svc.Tokens(r.Context(), uid, cur.ID, limit+1)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(ts, limit, func(t Token) web.Cursor { return web.Cursor{ID: t.ID} }))
}

func (h *handler) apiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	var in TokenInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	nt, err := h.svc.CreateToken(r.Context(), authz.ActorFrom(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusCreated, nt)
}

func (h *handler) apiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("kind.token")
	}
	if err := h.svc.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) apiPlaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 20
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return errs.Field("limit", "rule.range", "1–100")
		}
		limit = n
	}
	ps, err := h.svc.Places(r.Context(), PlaceFilter{Role: authz.Role(q.Get("role")), Query: q.Get("q"), Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Place]{Items: ps})
}
