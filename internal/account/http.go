package account

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
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
	// Demo are the accounts a demo site offers, each signed in with one
	// tap, and DemoPassword the password they share; none elsewhere.
	Demo         []DemoLogin
	DemoPassword string
}

// demoLogins adds a demo site's accounts to the login page.
func (h *handler) demoLogins(r *http.Request, p *loginPage) error {
	var err error
	p.Demo, p.DemoPassword, err = h.svc.UnscopedDemoLogins(r.Context())
	return err
}

func (h *handler) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	if authz.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	p := loginPage{Page: h.ui.Page(r, "title.login"), Next: localPath(r.URL.Query().Get("next"))}
	if err := h.demoLogins(r, &p); err != nil {
		return err
	}
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
		if err := h.demoLogins(r, &p); err != nil {
			return err
		}
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

// usersPerPage is the length of a page of the account list.
const usersPerPage = 50

type userListPage struct {
	web.Page
	Users     []*User
	Total     int
	Filter    UserFilter
	Roles     []authz.Role
	CanManage bool
	Errors    []string
	Region    web.RegionPicker
	Names     accountNames
	Next      template.URL // the next page; empty on the last
	First     template.URL // the first page; empty on it
}

// accountNames are the names of the divisions and departments a page
// shows, by code and id.
type accountNames struct {
	Places map[string]string
	Depts  map[int64]string
}

// name fills the names of us's divisions (short: below the reader's own
// division) and departments.
func (n *namer) names(us []*User, short bool) (accountNames, error) {
	out := accountNames{Places: map[string]string{}, Depts: map[int64]string{}}
	for _, u := range us {
		if _, ok := out.Places[u.RegionCode]; !ok {
			f := n.path
			if short {
				f = n.short
			}
			p, err := f(u.RegionCode)
			if err != nil {
				return out, err
			}
			out.Places[u.RegionCode] = p
		}
		d, err := n.department(u.DepartmentID)
		if err != nil {
			return out, err
		}
		out.Depts[u.DepartmentID] = d
	}
	return out, nil
}

func (h *handler) handleUserList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	f := UserFilter{Query: q.Get("q"), Role: authz.Role(q.Get("role")), Phone: q.Get("phone"), AfterID: after, Limit: usersPerPage + 1}
	p := userListPage{Page: h.ui.Page(r, "title.users"), Roles: authz.Roles}
	p.CanManage = p.Actor.Can(PermUserManage)
	region, perr := h.pickedRegion(r, "region", "")
	f.Region = region
	p.Filter = f
	var err error
	if p.Region, err = h.regionPicker(r, p.Page, "region", "", region, false); err != nil {
		return err
	}
	if errs.CodeOf(perr) == errs.Invalid {
		p.Errors = h.fieldMessages(p.Lang, perr)
		p.Region.Path = q.Get("region_text")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "users", "rows", p)
	}
	if perr != nil {
		return perr
	}
	users, total, err := h.svc.UserPage(r.Context(), f)
	if errs.CodeOf(err) == errs.Invalid {
		p.Errors = h.fieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "users", "rows", p)
	}
	if err != nil {
		return err
	}
	if len(users) > usersPerPage {
		users = users[:usersPerPage]
		q.Set("after", strconv.FormatInt(users[len(users)-1].ID, 10))
		p.Next = template.URL("/users?" + q.Encode())
	}
	if after > 0 {
		q.Del("after")
		p.First = template.URL("/users?" + q.Encode())
	}
	p.Users, p.Total = users, total
	if p.Names, err = h.svc.namer(r.Context()).names(users, true); err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "users", "rows", p)
}

// formValue reads a field of the form or, for a GET, of the query.
func formValue(r *http.Request, name string) (string, bool) {
	if err := r.ParseForm(); err != nil {
		return "", false
	}
	v, ok := r.Form[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// pickedRegion reads a division picker (web.RegionPicker): the code
// chosen from the suggestions, or, when the typed text no longer names
// that division (a page without scripts), the division of that name among
// role's places.
func (h *handler) pickedRegion(r *http.Request, field string, role authz.Role) (string, error) {
	code, _ := formValue(r, field)
	code = strings.TrimSpace(code)
	text, typed := formValue(r, field+"_text")
	if !typed {
		return code, nil // a client that sends the code only
	}
	if _, path := web.PickedText(text); path == "" {
		return "", nil
	} else if code != "" {
		shown, err := h.svc.namer(r.Context()).path(code)
		if err != nil {
			return "", err
		}
		if shown == path {
			return code, nil
		}
	}
	return h.svc.ResolvePlace(r.Context(), field, role, text)
}

// regionPicker is the division picker of field, suggesting the places of
// role (the form's role select decides when roleFrom).
func (h *handler) regionPicker(r *http.Request, p web.Page, field string, role authz.Role, code string, roleFrom bool) (web.RegionPicker, error) {
	rp := web.RegionPicker{ID: "pick-" + strings.ReplaceAll(field, "_", "-"), Name: field, Code: code, URL: "/api/v1/account-regions",
		Label: p.T("field.account_region"), Placeholder: p.T("users.picker_placeholder"), None: p.T("users.picker_none"), Required: field != "region"}
	if roleFrom {
		rp.RoleFrom = "role"
	}
	if role != "" {
		for _, l := range regionLevels[role] {
			rp.Levels = append(rp.Levels, string(l))
		}
		rp.Hint = levelsHint(p, role)
	}
	if code == "" {
		return rp, nil
	}
	n := h.svc.namer(r.Context())
	var err error
	if rp.Path, err = n.path(code); err != nil {
		return rp, err
	}
	if reg, err := n.region(code); err != nil {
		return rp, err
	} else if reg != nil {
		rp.Level = string(reg.Level)
	}
	return rp, nil
}

// levelsHint says at which levels an account of role sits.
func levelsHint(p web.Page, role authz.Role) string {
	var ls []string
	for _, l := range regionLevels[role] {
		ls = append(ls, p.T("level."+string(l)))
	}
	return p.T("users.levels_hint", strings.Join(ls, "、"))
}

// fieldMessages translates field errors, naming levels as people call
// them (the API carries the stored names).
func (h *handler) fieldMessages(lang string, err error) []string {
	var out []string
	for _, f := range errs.As(err).Fields {
		switch {
		case f.Field == "region_code" || f.Field == "region":
			f.Field = "account_region"
		case strings.HasPrefix(f.Field, "user_ids["):
			f.Field = "user_ids"
		}
		if f.Rule == "rule.role_level" {
			var ls []string
			for _, l := range strings.Split(f.Param, ", ") {
				ls = append(ls, h.ui.Catalog().T(lang, "level."+l))
			}
			f.Param = strings.Join(ls, "、")
		}
		out = append(out, h.ui.FieldMessage(lang, f))
	}
	return out
}

// roleChoice is a role the form offers, with the levels it may sit at.
type roleChoice struct {
	Role   authz.Role
	Name   string
	Levels string
	Hint   string
}

// placementForm is the part of the account forms that places an
// account: role, division, department, company.
type placementForm struct {
	// Chosen: a role was chosen (or is the account's); a new account's
	// form offers none, so that nobody makes a city administrator by
	// leaving the first choice.
	Chosen       bool
	Roles        []roleChoice
	Role         authz.Role
	Region       web.RegionPicker
	Depts        []DepartmentChoice
	DepartmentID int64
	Organisation string
}

func (h *handler) placementForm(r *http.Request, p web.Page, pl Placement) (placementForm, error) {
	f := placementForm{Role: pl.Role, Chosen: pl.Role != "", DepartmentID: pl.DepartmentID, Organisation: pl.Organisation}
	for _, role := range h.grantable(p.Actor) {
		var ls []string
		for _, l := range regionLevels[role] {
			ls = append(ls, string(l))
		}
		f.Roles = append(f.Roles, roleChoice{Role: role, Name: p.RoleName(role), Levels: strings.Join(ls, ","), Hint: levelsHint(p, role)})
	}
	if f.Role == "" && len(f.Roles) > 0 {
		f.Role = f.Roles[0].Role
	}
	var err error
	if f.Region, err = h.regionPicker(r, p, "region_code", f.Role, pl.RegionCode, true); err != nil {
		return f, err
	}
	f.Depts, err = h.svc.DepartmentChoices(r.Context())
	return f, err
}

type userFormPage struct {
	web.Page
	Form      UserInput
	Placement placementForm
	Errors    []string
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

func (h *handler) userFormPage(r *http.Request, in UserInput) (userFormPage, error) {
	p := userFormPage{Page: h.ui.Page(r, "title.user_new"), Form: in}
	var err error
	p.Placement, err = h.placementForm(r, p.Page, Placement{Role: in.Role, RegionCode: in.RegionCode, DepartmentID: in.DepartmentID, Organisation: in.Organisation})
	return p, err
}

func (h *handler) handleUserNew(w http.ResponseWriter, r *http.Request) error {
	a := authz.ActorFrom(r.Context())
	p, err := h.userFormPage(r, UserInput{RegionCode: a.Scope.Region})
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "user_new", "", p)
}

// postedPlacement reads the placement fields of a form.
func (h *handler) postedPlacement(r *http.Request) (Placement, error) {
	dept, _ := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	pl := Placement{Role: authz.Role(r.PostFormValue("role")), DepartmentID: dept, Organisation: r.PostFormValue("organisation")}
	var err error
	pl.RegionCode, err = h.pickedRegion(r, "region_code", pl.Role)
	return pl, err
}

func (h *handler) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	pl, err := h.postedPlacement(r)
	in := UserInput{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: pl.Role, RegionCode: pl.RegionCode, DepartmentID: pl.DepartmentID, Organisation: pl.Organisation,
		Phone: r.PostFormValue("phone"), Password: r.PostFormValue("password")}
	var u *User
	if err == nil {
		u, err = h.svc.CreateUser(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		in.Password = ""
		p, perr := h.userFormPage(r, in)
		if perr != nil {
			return perr
		}
		if in.RegionCode == "" {
			p.Placement.Region.Path = r.PostFormValue("region_code_text")
		}
		p.Errors = h.fieldMessages(p.Lang, err)
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
	// Place and Department name the account's division (its path) and
	// department.
	Place, Department string
	// PlaceOpen: the viewer may open the division's page (it lies in
	// their scope), so Place links to it.
	PlaceOpen bool
	Placement placementForm
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
	n := h.svc.ownNamer(r.Context(), u)
	if p.Place, err = n.path(u.RegionCode); err != nil {
		return p, err
	}
	p.PlaceOpen = p.Actor.Can(territory.PermView) && p.Actor.Scope.Contains(u.RegionCode)
	if p.Department, err = n.department(u.DepartmentID); err != nil {
		return p, err
	}
	if p.CanManage && p.Actor.UserID != u.ID {
		if p.Placement, err = h.placementForm(r, p.Page, u.placement()); err != nil {
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
	var pl Placement
	flash := "flash.saved"
	switch r.PostFormValue("action") {
	case "disable":
		t := true
		upd.Disabled = &t
	case "enable":
		f := false
		upd.Disabled = &f
	case "unlock":
		upd.Unlock = true
	case "placement":
		pl, err = h.postedPlacement(r)
		upd.Role, upd.RegionCode, upd.DepartmentID, upd.Organisation = &pl.Role, &pl.RegionCode, &pl.DepartmentID, &pl.Organisation
		flash = "flash.placement_saved"
	default:
		name, phone := r.PostFormValue("display_name"), r.PostFormValue("phone")
		upd.DisplayName = &name
		if phone != "" {
			upd.Phone = &phone
		}
	}
	if err == nil {
		_, err = h.svc.UpdateUser(r.Context(), id, upd)
	}
	if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
		p, perr := h.userPage(r, id)
		if perr != nil {
			return perr
		}
		if c == errs.Conflict {
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		} else {
			p.Errors = h.fieldMessages(p.Lang, err)
		}
		if upd.Role != nil && p.CanManage {
			// The placement form as sent, to correct.
			if p.Placement, perr = h.placementForm(r, p.Page, pl); perr != nil {
				return perr
			}
			if pl.RegionCode == "" {
				p.Placement.Region.Path = r.PostFormValue("region_code_text")
			}
		}
		return h.ui.Render(w, r, web.Status(c), "user", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), flash)
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
		p.Errors = h.fieldMessages(p.Lang, err)
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
		p.Errors = h.fieldMessages(p.Lang, err)
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
	nt, err := h.svc.CreateToken(r.Context(), authz.ActorFrom(r.Context()), TokenInput{Name: r.PostFormValue("name"), UserID: uid})
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
		p.Errors = h.fieldMessages(p.Lang, err)
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
