package cases

// Department roles (部门角色). The catalogue names each class's default
// handling department by a role: a part of a department's name, such as
// the shipped catalogue's 城市管理局. A city whose departments carry other
// names (北京: 城市管理委员会, 住房和城乡建设委员会) maps each role to the
// name its own departments carry. The mapping is by name, not by
// department, so that the department of that name in every district
// matches; the dispatch form then suggests the department of the case's
// district (or the city's) whose name contains it. Without a mapping the
// role's own name is matched, as before.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// PermRolesView lets district staff read how the catalogue's department
// roles map to the city's departments; the city administrator changes the
// mapping (PermConfigure).
const PermRolesView authz.Perm = "cases.roles.view"

// roleGrants lists who holds PermRolesView.
func roleGrants() []authz.Grant {
	return []authz.Grant{{Perm: PermRolesView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff}}}
}

// DepartmentRole is one handling-department role the current catalogue
// uses, with the name of the city's departments it maps to.
type DepartmentRole struct {
	Role       string     `json:"role" doc:"the department the catalogue names, e.g. 城市管理局"`
	Classes    []string   `json:"classes" doc:"names of the classes and sub-classes whose default department it is"`
	Department string     `json:"department,omitempty" doc:"the name of the city's departments it maps to; empty: the role's own name is matched"`
	Suggestion string     `json:"suggestion,omitempty" doc:"the name of the caller's departments that shares the longest part with the role"`
	Matches    []string   `json:"matches" doc:"the caller's departments that the dispatch form now suggests for the role"`
	UpdatedBy  string     `json:"updated_by,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`

	classes []*Category
}

// Name is the department name the role resolves to: its mapping, else
// the role itself.
func (r DepartmentRole) Name() string {
	if r.Department != "" {
		return r.Department
	}
	return r.Role
}

// ClassLabels are the names of the role's classes in lang.
func (r DepartmentRole) ClassLabels(lang string) []string {
	out := make([]string, len(r.classes))
	for i, c := range r.classes {
		out[i] = c.Label(lang)
	}
	return out
}

// DepartmentRoles is the role mapping as the caller sees it.
type DepartmentRoles struct {
	Roles       []DepartmentRole `json:"roles"`
	Departments []string         `json:"departments" doc:"the names the caller's departments carry, without the name of their division (东城区城市管理委员会 → 城市管理委员会)"`
}

// DepartmentRoleInput maps a role to the name of the city's departments.
type DepartmentRoleInput struct {
	Role       string `json:"role" doc:"a department the catalogue names"`
	Department string `json:"department" doc:"the name (or the part of it) every district's department of this kind carries"`
}

// catalogueRoles lists the roles of cat in catalogue order, each with the
// categories that name it.
func catalogueRoles(cat *Catalogue) []DepartmentRole {
	var out []DepartmentRole
	at := map[string]int{}
	for i := range cat.Doc.Categories {
		c := cat.byCode[cat.Doc.Categories[i].Code]
		if c == nil || c.Dept() == "" {
			continue
		}
		// A sub-class that inherits its class's role is listed with it.
		if p := cat.byCode[c.Parent]; p != nil && p.Dept() == c.Dept() {
			continue
		}
		j, ok := at[c.Dept()]
		if !ok {
			j = len(out)
			at[c.Dept()] = j
			out = append(out, DepartmentRole{Role: c.Dept(), Classes: []string{}})
		}
		out[j].Classes = append(out[j].Classes, c.Name)
		out[j].classes = append(out[j].classes, c)
	}
	return out
}

// roleMapping is one stored mapping.
type roleMapping struct {
	department, by string
	at             time.Time
}

func readRoleMappings(ctx context.Context, q db.Querier) (map[string]roleMapping, error) {
	rows, err := q.QueryContext(ctx, `/* cases.readRoleMappings */ SELECT role, department, updated_by, updated_at FROM case_department_roles`)
	if err != nil {
		return nil, fmt.Errorf("cases: read department roles: %w", err)
	}
	defer rows.Close()
	out := map[string]roleMapping{}
	for rows.Next() {
		var role string
		var m roleMapping
		if err := rows.Scan(&role, &m.department, &m.by, &m.at); err != nil {
			return nil, fmt.Errorf("cases: read department roles: %w", err)
		}
		m.at = m.at.UTC()
		out[role] = m
	}
	return out, rows.Err()
}

// departmentFor is the department name the dispatch form suggests for a
// case of category c: the mapping of c's role, else the role itself; ""
// when the community handles c.
func (s *Service) departmentFor(ctx context.Context, c *Category) (string, error) {
	if c == nil || c.Dept() == "" {
		return "", nil
	}
	var name string
	err := s.db.QueryRowContext(ctx, `/* cases.departmentFor */ SELECT department FROM case_department_roles WHERE role = ?`, c.Dept()).Scan(&name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return c.Dept(), nil
	case err != nil:
		return "", fmt.Errorf("cases: department of role %s: %w", c.Dept(), err)
	}
	return name, nil
}

// dispatchSuggestion is the department of ds the dispatch form suggests
// for a case of category c: of those whose name contains the name c's
// role maps to, the most local one (the district's before the city's).
func (s *Service) dispatchSuggestion(ctx context.Context, c *Category, ds []territory.Department) (string, error) {
	if len(ds) == 0 {
		return "", nil
	}
	name, err := s.departmentFor(ctx, c)
	if err != nil || name == "" {
		return "", err
	}
	best := -1
	for i, d := range ds {
		if strings.Contains(d.Name, name) && (best < 0 || len(d.RegionCode) > len(ds[best].RegionCode)) {
			best = i
		}
	}
	if best < 0 {
		return "", nil
	}
	return ds[best].Name, nil
}

// DepartmentRoles lists the roles the current catalogue uses, each with
// its mapping, a suggestion by name and the caller's departments it now
// matches.
func (s *Service) DepartmentRoles(ctx context.Context) (DepartmentRoles, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermRolesView) && !a.Can(PermConfigure) {
		return DepartmentRoles{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return DepartmentRoles{}, err
	}
	ms, err := readRoleMappings(ctx, s.db)
	if err != nil {
		return DepartmentRoles{}, err
	}
	depts, bases, err := s.departmentBases(ctx)
	if err != nil {
		return DepartmentRoles{}, err
	}
	out := DepartmentRoles{Roles: catalogueRoles(cat), Departments: distinctNames(bases)}
	for i := range out.Roles {
		r := &out.Roles[i]
		if m, ok := ms[r.Role]; ok {
			r.Department, r.UpdatedBy = m.department, m.by
			at := m.at
			r.UpdatedAt = &at
		}
		r.Suggestion = suggestDepartment(r.Role, bases)
		r.Matches = []string{}
		for _, d := range depts {
			if strings.Contains(d.Name, r.Name()) {
				r.Matches = append(r.Matches, d.Name)
			}
		}
	}
	return out, nil
}

// SetDepartmentRole maps a role of the catalogue to the name of the
// city's departments; the city administrator's work, audited.
func (s *Service) SetDepartmentRole(ctx context.Context, in DepartmentRoleInput) (DepartmentRole, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermConfigure) {
		return DepartmentRole{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return DepartmentRole{}, err
	}
	var fe errs.Fields
	in.Role = text.LineField(&fe, "role", in.Role)
	in.Department = text.LineField(&fe, "department", in.Department)
	roles := catalogueRoles(cat)
	if in.Role == "" {
		fe.Add("role", "rule.required", "")
	} else if !slices.ContainsFunc(roles, func(r DepartmentRole) bool { return r.Role == in.Role }) {
		fe.Add("role", "rule.department_role", roleList(roles))
	}
	switch n := utf8.RuneCountInString(in.Department); {
	case n == 0:
		fe.Add("department", "rule.required", "")
	case n > 100:
		fe.Add("department", "rule.max_length", "100")
	default:
		depts, _, err := s.departmentBases(ctx)
		if err != nil {
			return DepartmentRole{}, err
		}
		if !slices.ContainsFunc(depts, func(d territory.Department) bool { return strings.Contains(d.Name, in.Department) }) {
			fe.Add("department", "rule.department_none", in.Department)
		}
	}
	if err := fe.Err(); err != nil {
		return DepartmentRole{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		before, err := readRoleMappings(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `/* cases.SetDepartmentRole */ INSERT INTO case_department_roles (role, department, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (role) DO UPDATE SET department = excluded.department, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			in.Role, in.Department, a.Username, tx.Now()); err != nil {
			return fmt.Errorf("cases: set department role %s: %w", in.Role, err)
		}
		e := audit.Entry{Action: "cases.department_role.put", ObjectType: "department_role", ObjectID: in.Role, Region: a.Scope.Region,
			After: map[string]string{"role": in.Role, "department": in.Department}}
		if m, ok := before[in.Role]; ok {
			e.Before = map[string]string{"role": in.Role, "department": m.department}
		}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return DepartmentRole{}, err
	}
	return s.departmentRole(ctx, in.Role)
}

// ClearDepartmentRole removes a role's mapping: the role's own name is
// matched again. Audited.
func (s *Service) ClearDepartmentRole(ctx context.Context, role string) (DepartmentRole, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermConfigure) {
		return DepartmentRole{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		before, err := readRoleMappings(ctx, tx)
		if err != nil {
			return err
		}
		m, ok := before[role]
		if !ok {
			return errs.NotFoundf("kind.department_role")
		}
		if _, err := tx.ExecContext(ctx, `/* cases.ClearDepartmentRole */ DELETE FROM case_department_roles WHERE role = ?`, role); err != nil {
			return fmt.Errorf("cases: clear department role %s: %w", role, err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.department_role.clear", ObjectType: "department_role", ObjectID: role,
			Region: a.Scope.Region, Before: map[string]string{"role": role, "department": m.department}})
	})
	if err != nil {
		return DepartmentRole{}, err
	}
	r, err := s.departmentRole(ctx, role)
	if errs.CodeOf(err) == errs.NotFound {
		// A role the catalogue no longer uses: nothing left to show.
		return DepartmentRole{Role: role, Classes: []string{}, Matches: []string{}}, nil
	}
	return r, err
}

func (s *Service) departmentRole(ctx context.Context, role string) (DepartmentRole, error) {
	all, err := s.DepartmentRoles(ctx)
	if err != nil {
		return DepartmentRole{}, err
	}
	for _, r := range all.Roles {
		if r.Role == role {
			return r, nil
		}
	}
	return DepartmentRole{}, errs.NotFoundf("kind.department_role")
}

func roleList(rs []DepartmentRole) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Role
	}
	return strings.Join(names, "、")
}

// departmentBases lists the departments the actor sees, with the name
// each carries without its division's name (东城区城市管理委员会 →
// 城市管理委员会): the name the same department carries in every
// district.
func (s *Service) departmentBases(ctx context.Context) ([]territory.Department, []string, error) {
	var depts []territory.Department
	for after := int64(0); ; {
		page, err := s.deps.Territory.Departments(ctx, after, 500)
		if err != nil {
			return nil, nil, err
		}
		depts = append(depts, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	// The names of the departments' divisions and of those above them:
	// names only, of divisions whose departments the actor already sees.
	lens := map[int]bool{}
	for _, d := range depts {
		for _, n := range []int{2, 4, 6, 9, 12} {
			if n <= len(d.RegionCode) {
				lens[n] = true
			}
		}
	}
	names := map[string]string{}
	for n := range lens {
		lvl, ok := territory.LevelOfCode(strings.Repeat("0", n))
		if !ok {
			continue
		}
		rs, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Level: lvl})
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
	}
	bases := make([]string, len(depts))
	for i, d := range depts {
		var prefixes []string
		for _, n := range []int{2, 4, 6, 9, 12} {
			if n <= len(d.RegionCode) && names[d.RegionCode[:n]] != "" {
				prefixes = append(prefixes, regionNameForms(names[d.RegionCode[:n]])...)
			}
		}
		bases[i] = stripPrefixes(d.Name, prefixes)
	}
	return depts, bases, nil
}

// regionNameForms are the ways a department's name may start with its
// division's name: in full (东城区, 北京市) and without the level word
// (东城, 北京).
func regionNameForms(name string) []string {
	out := []string{name}
	for _, suf := range []string{"街道办事处", "街道", "自治县", "自治州", "市", "区", "县", "旗", "镇", "乡"} {
		if short := strings.TrimSuffix(name, suf); short != name && utf8.RuneCountInString(short) >= 2 {
			out = append(out, short)
			break
		}
	}
	return out
}

// stripPrefixes removes, again and again, any of prefixes that name
// starts with, longest first, as long as a name is left (two characters
// at least: 东城区 stays 东城区, not 区).
func stripPrefixes(name string, prefixes []string) string {
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	for changed := true; changed; {
		changed = false
		for _, p := range prefixes {
			if rest := strings.TrimPrefix(name, p); rest != name && utf8.RuneCountInString(rest) >= 2 {
				name, changed = rest, true
				break
			}
		}
	}
	return name
}

func distinctNames(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// genericSuffixes are the words that end many departments' names and say
// nothing of what they do; a suggestion must share more than these.
var genericSuffixes = []string{"管理委员会", "管理局", "管理处", "委员会", "分局", "支队", "大队", "办公室", "中心", "局", "委", "办", "厅", "处", "所", "站", "队"}

// core is a department name without its generic ending.
func core(name string) []rune {
	for _, suf := range genericSuffixes {
		if c := strings.TrimSuffix(name, suf); c != name && c != "" {
			return []rune(c)
		}
	}
	return []rune(name)
}

// commonLen is the length of the longest common substring of a and b.
func commonLen(a, b []rune) int {
	best := 0
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

// suggestDepartment picks, among the names the city's departments carry,
// the one that shares the longest part with role (城市管理局 → 城市管理委员会,
// 住房和城乡建设局 → 住房和城乡建设委员会), leaving aside the generic
// endings (局, 委员会 …). A name sharing less than half of the role's
// meaningful part, or a single character, is no suggestion: 应急管理局
// does not become 城市管理委员会.
func suggestDepartment(role string, names []string) string {
	rc := core(role)
	best, bestLen, bestCount := "", 0, 0
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	for _, n := range distinctNames(names) {
		l := commonLen(rc, core(n))
		if strings.Contains(n, role) {
			l = len(rc) + 1 // the role's own name: the best there is
		}
		if l < min(2, len(rc)) || 2*l < len(rc) {
			continue
		}
		// Longer shared part first; then the name more districts carry;
		// then the shorter name (fewer words besides the shared part).
		if l > bestLen || l == bestLen && (count[n] > bestCount || count[n] == bestCount && utf8.RuneCountInString(n) < utf8.RuneCountInString(best)) {
			best, bestLen, bestCount = n, l, count[n]
		}
	}
	return best
}

// roleRoutes registers the page and the API of the role mapping.
func (h *handler) roleRoutes(r *web.Router) {
	r.Page("GET /cases/department-roles", PermRolesView, h.handleRoles)
	r.Page("POST /cases/department-roles", PermConfigure, h.handleRolePut)
	r.API("GET /api/v1/department-roles", PermRolesView, web.OpDoc{Summary: "The departments the catalogue names (roles), each mapped to the name the city's departments carry, with a suggestion by name", Tag: "cases",
		Response: DepartmentRoles{}}, h.apiRoles)
	r.API("PUT /api/v1/department-roles", PermConfigure, web.OpDoc{Summary: "Map a role of the catalogue to the name of the city's departments (every district's department of that name matches); audited", Tag: "cases",
		Body: DepartmentRoleInput{}, Response: DepartmentRole{}}, h.apiRolePut)
	r.API("DELETE /api/v1/department-roles/{role}", PermConfigure, web.OpDoc{Summary: "Remove a role's mapping: the role's own name is matched again; audited", Tag: "cases",
		Response: DepartmentRole{}}, h.apiRoleClear)
}

type rolesPage struct {
	web.Page
	DepartmentRoles
	CanEdit bool
	// Form is the row sent back with errors.
	Form   DepartmentRoleInput
	Errors []string
}

// Value is what the row of role offers to save: the form sent back, the
// mapping, else the suggestion.
func (p rolesPage) Value(r DepartmentRole) string {
	switch {
	case p.Errors != nil && p.Form.Role == r.Role:
		return p.Form.Department
	case r.Department != "":
		return r.Department
	}
	return r.Suggestion
}

func (h *handler) rolesPage(r *http.Request) (rolesPage, error) {
	rs, err := h.svc.DepartmentRoles(r.Context())
	if err != nil {
		return rolesPage{}, err
	}
	return rolesPage{Page: h.ui.Page(r, "title.department_roles"), DepartmentRoles: rs,
		CanEdit: authz.ActorFrom(r.Context()).Can(PermConfigure)}, nil
}

func (h *handler) handleRoles(w http.ResponseWriter, r *http.Request) error {
	p, err := h.rolesPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "roles", "", p)
}

func (h *handler) handleRolePut(w http.ResponseWriter, r *http.Request) error {
	in := DepartmentRoleInput{Role: r.PostFormValue("role"), Department: r.PostFormValue("department")}
	var err error
	if r.PostFormValue("clear") != "" {
		_, err = h.svc.ClearDepartmentRole(r.Context(), in.Role)
	} else {
		_, err = h.svc.SetDepartmentRole(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.rolesPage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Errors = in, h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "roles", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/department-roles", "flash.department_role_saved")
}

func (h *handler) apiRoles(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.svc.DepartmentRoles(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rs)
}

func (h *handler) apiRolePut(w http.ResponseWriter, r *http.Request) error {
	var in DepartmentRoleInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.svc.SetDepartmentRole(r.Context(), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (h *handler) apiRoleClear(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.ClearDepartmentRole(r.Context(), r.PathValue("role"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}
