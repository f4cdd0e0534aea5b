package account

import (
	"net/http"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
	"grassroots/internal/platform/web"
)

type handler struct {
	svc    *Service
	ui     *web.UI
	secure bool
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /login", authz.Public, h.handleLoginForm)
	r.Page("POST /login", authz.Public, h.handleLogin)
	r.Page("POST /logout", authz.Authenticated, h.handleLogout)
	r.Page("POST /lang", authz.Public, h.handleLang)
	r.Page("GET /users", PermUserView, h.handleUserList)
	r.Page("GET /users/new", PermUserManage, h.handleUserNew)
	r.Page("POST /users", PermUserManage, h.handleUserCreate)
	r.Page("GET /users/{id}", PermUserView, h.handleUser)
	r.Page("POST /users/{id}", PermUserManage, h.handleUserUpdate)
	r.Page("POST /users/{id}/password", PermUserManage, h.handleUserPassword)
	r.Page("POST /users/{id}/personal", PermUserPII, h.handleUserPersonal)
	r.Page("GET /me", authz.Authenticated, h.handleMe)
	r.Page("POST /me/password", authz.Authenticated, h.handleMePassword)
	r.Page("POST /tokens", PermToken, h.handleTokenCreate)
	r.Page("POST /tokens/{id}/revoke", PermToken, h.handleTokenRevoke)
	h.apiRoutes(r)
	h.gridRoutes(r)
}

// localPath keeps redirects on this site (web.LocalPath).
func localPath(p string) string { return web.LocalPath(p, "/") }

type loginPage struct {
	web.Page
	Next     string
	Username string
	Error    string
}

func (h *handler) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	if authz.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	p := loginPage{Page: h.ui.Page(r, "title.login"), Next: localPath(r.URL.Query().Get("next"))}
	p.CSRF = web.PreSessionCSRF(w, r, h.secure)
	return h.ui.Render(w, r, http.StatusOK, "login", "", p)
}

func (h *handler) handleLogin(w http.ResponseWriter, r *http.Request) error {
	name := r.PostFormValue("username")
	next := localPath(r.PostFormValue("next"))
	var sess Session
	var err error = errs.E(errs.Forbidden, "err.csrf")
	if web.CheckPreSessionCSRF(r) {
		sess, err = h.svc.Login(r.Context(), name, r.PostFormValue("password"), r.UserAgent())
	}
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal {
			return err
		}
		p := loginPage{Page: h.ui.Page(r, "title.login"), Next: next, Username: name, Error: h.ui.Message(web.LangFrom(r.Context()), e)}
		p.CSRF = web.PreSessionCSRF(w, r, h.secure)
		for _, f := range e.Fields {
			p.Error += " " + h.ui.FieldMessage(p.Lang, f)
		}
		return h.ui.Render(w, r, web.Status(e.Code), "login", "", p)
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: sess.Token, Path: "/", HttpOnly: true,
		Secure: h.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode,
		// Max-Age, not Expires: the browser counts from its own clock, so a
		// server clock that differs cannot expire the cookie at once.
		MaxAge: int(sess.Lifetime.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (h *handler) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(web.SessionCookie); err == nil {
		if err := h.svc.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return web.Redirect(w, r, "/login", "flash.logged_out")
}

func (h *handler) handleLang(w http.ResponseWriter, r *http.Request) error {
	lang := i18n.Match(r.PostFormValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: h.secure || r.TLS != nil})
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

type userListPage struct {
	web.Page
	Users     []*User
	Filter    UserFilter
	Roles     []authz.Role
	CanManage bool
	Errors    []string
}

func (h *handler) handleUserList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := UserFilter{Query: q.Get("q"), Role: authz.Role(q.Get("role")), Region: q.Get("region"), Phone: q.Get("phone"), Limit: 500}
	p := userListPage{Page: h.ui.Page(r, "title.users"), Filter: f, Roles: authz.Roles}
	p.CanManage = p.Actor.Can(PermUserManage)
	users, err := h.svc.Users(r.Context(), f)
	if errs.CodeOf(err) == errs.Invalid {
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "users", "rows", p)
	}
	if err != nil {
		return err
	}
	p.Users = users
	return h.ui.Render(w, r, http.StatusOK, "users", "rows", p)
}

type userFormPage struct {
	web.Page
	Form   UserInput
	Roles  []authz.Role
	Errors []string
}

func (h *handler) grantable(a *authz.Actor) []authz.Role {
	var out []authz.Role
	for _, r := range authz.Roles {
		if h.svc.Policy().CanGrant(a.Role, r) {
			out = append(out, r)
		}
	}
	return out
}

func (h *handler) handleUserNew(w http.ResponseWriter, r *http.Request) error {
	p := userFormPage{Page: h.ui.Page(r, "title.user_new")}
	p.Roles = h.grantable(p.Actor)
	p.Form.RegionCode = p.Actor.Scope.Region
	return h.ui.Render(w, r, http.StatusOK, "user_new", "", p)
}

func (h *handler) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	dept, _ := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	in := UserInput{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: authz.Role(r.PostFormValue("role")), RegionCode: r.PostFormValue("region_code"), DepartmentID: dept, Organisation: r.PostFormValue("organisation"),
		Phone: r.PostFormValue("phone"), Password: r.PostFormValue("password")}
	u, err := h.svc.CreateUser(r.Context(), in)
	if errs.CodeOf(err) == errs.Invalid {
		in.Password = ""
		p := userFormPage{Page: h.ui.Page(r, "title.user_new"), Form: in}
		p.Roles = h.grantable(p.Actor)
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "user_new", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "flash.user_created")
}

type userPage struct {
	web.Page
	User      *User
	Tokens    []Token
	CanManage bool
	CanPII    bool
	Phone     string
	Errors    []string
	NewToken  *NewToken
	IsMe      bool
}

func (h *handler) userPage(r *http.Request, id int64) (userPage, error) {
	u, err := h.svc.User(r.Context(), id)
	if err != nil {
		return userPage{}, err
	}
	p := userPage{Page: h.ui.Page(r, "title.user"), User: u}
	p.Title = u.DisplayName
	p.CanManage = p.Actor.Can(PermUserManage) && h.svc.Policy().CanGrant(p.Actor.Role, u.Role)
	p.CanPII = p.Actor.Can(PermUserPII)
	if p.CanManage && u.Role == authz.RoleIntegration || p.Actor.UserID == u.ID {
		if p.Tokens, err = h.svc.Tokens(r.Context(), u.ID, 0, 100); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (h *handler) handleUser(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	p, err := h.userPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "user", "", p)
}

func (h *handler) handleUserPersonal(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	p, err := h.userPage(r, id)
	if err != nil {
		return err
	}
	pd, err := h.svc.Personal(r.Context(), id)
	if err != nil {
		return err
	}
	p.Phone = pd.Phone
	return h.ui.Render(w, r, http.StatusOK, "user", "phone", p)
}

func (h *handler) handleUserUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	upd := UserUpdate{Version: version}
	switch r.PostFormValue("action") {
	case "disable":
		t := true
		upd.Disabled = &t
	case "enable":
		f := false
		upd.Disabled = &f
	case "unlock":
		upd.Unlock = true
	default:
		name, phone := r.PostFormValue("display_name"), r.PostFormValue("phone")
		upd.DisplayName = &name
		if phone != "" {
			upd.Phone = &phone
		}
	}
	_, err = h.svc.UpdateUser(r.Context(), id, upd)
	if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
		p, perr := h.userPage(r, id)
		if perr != nil {
			return perr
		}
		if c == errs.Conflict {
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		} else {
			p.Errors = h.ui.FieldMessages(p.Lang, err)
		}
		return h.ui.Render(w, r, web.Status(c), "user", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "flash.saved")
}

func (h *handler) handleUserPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	err = h.svc.SetPassword(r.Context(), id, r.PostFormValue("password"))
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.userPage(r, id)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "user", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "flash.password_set")
}

func (h *handler) mePage(r *http.Request) (userPage, error) {
	p, err := h.userPage(r, authz.ActorFrom(r.Context()).UserID)
	if err != nil {
		return p, err
	}
	p.IsMe = true
	p.Title = h.ui.Catalog().T(p.Lang, "title.me")
	me, err := h.svc.Me(r.Context())
	if err != nil {
		return p, err
	}
	p.Phone = me.Phone
	return p, nil
}

func (h *handler) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, err := h.mePage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "user", "", p)
}

func (h *handler) handleMePassword(w http.ResponseWriter, r *http.Request) error {
	err := h.svc.ChangeOwnPassword(r.Context(), r.PostFormValue("old_password"), r.PostFormValue("password"))
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.mePage(r)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "user", "", p)
	}
	if err != nil {
		return err
	}
	// Changing the password ends every session, this one included.
	return web.Redirect(w, r, "/login", "flash.password_changed")
}

func (h *handler) handleTokenCreate(w http.ResponseWriter, r *http.Request) error {
	uid, _ := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	nt, err := h.svc.CreateToken(r.Context(), TokenInput{Name: r.PostFormValue("name"), UserID: uid})
	a := authz.ActorFrom(r.Context())
	if uid == 0 {
		uid = a.UserID
	}
	var p userPage
	var perr error
	if uid == a.UserID {
		p, perr = h.mePage(r)
	} else {
		p, perr = h.userPage(r, uid)
	}
	if perr != nil {
		return perr
	}
	page := "user"
	if errs.CodeOf(err) == errs.Invalid {
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, page, "", p)
	}
	if err != nil {
		return err
	}
	p.NewToken = &nt
	p.Tokens = append(p.Tokens, nt.Token)
	// The secret is shown once, on this response; it is never stored.
	w.Header().Set("Cache-Control", "no-store")
	return h.ui.Render(w, r, http.StatusCreated, page, "", p)
}

func (h *handler) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("kind.token")
	}
	if err := h.svc.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	back := web.LocalPath(r.PostFormValue("back"), "/me")
	return web.Redirect(w, r, back, "flash.token_revoked")
}
