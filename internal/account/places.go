package account

import (
	"context"
	"slices"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Place is a division an account may be placed in, named by its path as
// people know it: the codes stay behind the scenes.
type Place struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Level      territory.Level `json:"level"`
	ParentCode string          `json:"parent_code,omitempty"`
	Path       string          `json:"path" doc:"names from the widest division the caller sees down to this one, joined by › "`
}

// PlaceFilter selects places.
type PlaceFilter struct {
	Role  authz.Role // only the levels the role may sit at; empty: any level
	Query string     // name contains
	Limit int
}

// Places lists divisions in the actor's scope whose name contains the
// query, at the levels the role may sit at, in code order (a division
// before those below it): the suggestions of the account forms' division
// picker.
func (s *Service) Places(ctx context.Context, f PlaceFilter) ([]Place, error) {
	if f.Role != "" && !f.Role.Valid() {
		return nil, errs.Field("role", "rule.one_of", roleList())
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	levels := territory.Levels
	if f.Role != "" {
		levels = regionLevels[f.Role]
	}
	q, _ := web.PickedText(f.Query)
	var rs []territory.Region
	for _, l := range levels {
		got, err := s.regions.Regions(ctx, territory.RegionFilter{Level: l, Name: q, Limit: f.Limit})
		if err != nil {
			return nil, err
		}
		rs = append(rs, got...)
	}
	slices.SortFunc(rs, func(a, b territory.Region) int { return strings.Compare(a.Code, b.Code) })
	if len(rs) > f.Limit {
		rs = rs[:f.Limit]
	}
	n := s.namer(ctx)
	out := make([]Place, 0, len(rs))
	for _, r := range rs {
		p, err := n.path(r.Code)
		if err != nil {
			return nil, err
		}
		out = append(out, Place{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode, Path: p})
	}
	return out, nil
}

// ResolvePlace finds the division typed by name (or by the end of its
// path: 甲区 › 甲一街道) among the places of role, for a form sent
// without choosing a suggestion. More than one of that name asks for the
// path; field names the form field in the error.
func (s *Service) ResolvePlace(ctx context.Context, field string, role authz.Role, text string) (string, error) {
	name, path := web.PickedText(text)
	if name == "" {
		return "", nil
	}
	if !role.Valid() {
		role = ""
	}
	ps, err := s.Places(ctx, PlaceFilter{Role: role, Query: name, Limit: 100})
	if err != nil {
		return "", err
	}
	var found []Place
	for _, p := range ps {
		if p.Name == name && (path == name || p.Path == path || strings.HasSuffix(p.Path, web.PathSep+path)) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return "", errs.Field(field, "rule.region_name_none", name)
	case 1:
		return found[0].Code, nil
	}
	return "", errs.Field(field, "rule.region_name_many", name)
}

// namer names divisions and departments for one request, each looked up
// once, inside the reader's scope.
type namer struct {
	ctx     context.Context
	svc     *Service
	regions map[string]*territory.Region // nil: outside the scope or unknown
	depts   map[int64]string
	// own names the reader's own account, whose division may lie outside
	// what they manage (a grid worker's community, around their grids):
	// divisions by name whatever the scope, as the statistical list
	// publishes them.
	own bool
}

func (s *Service) namer(ctx context.Context) *namer {
	return &namer{ctx: ctx, svc: s, regions: map[string]*territory.Region{}, depts: map[int64]string{}}
}

// region returns the division of code in the reader's scope, nil when
// they do not see it.
func (n *namer) region(code string) (*territory.Region, error) {
	if r, ok := n.regions[code]; ok {
		return r, nil
	}
	var r territory.Region
	var err error
	if n.own {
		r, err = n.svc.unscopedRegion(n.ctx, code)
	} else {
		r, err = n.svc.regions.ContainsRegion(n.ctx, code)
	}
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		n.regions[code] = nil
		return nil, nil
	case err != nil:
		return nil, err
	}
	n.regions[code] = &r
	return &r, nil
}

// crumbs are the divisions from the widest the reader sees down to code.
func (n *namer) crumbs(code string) ([]territory.Region, error) {
	var out []territory.Region
	for _, l := range []int{2, 4, 6, 9, 12, 15} {
		if l > len(code) {
			break
		}
		r, err := n.region(code[:l])
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// path names code by its path ("" when the reader does not see it).
func (n *namer) path(code string) (string, error) {
	cs, err := n.crumbs(code)
	if err != nil || len(cs) == 0 || cs[len(cs)-1].Code != code {
		return "", err
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return strings.Join(names, web.PathSep), nil
}

// short names code by its path below the reader's own division, as lists
// show it: 甲一街道 › 甲一社区居委会 for a district's staff.
func (n *namer) short(code string) (string, error) {
	p, err := n.path(code)
	if i := strings.Index(p, web.PathSep); i >= 0 {
		return p[i+len(web.PathSep):], err
	}
	return p, err
}

// department names department id ("" when the reader does not see it).
func (n *namer) department(id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	if d, ok := n.depts[id]; ok {
		return d, nil
	}
	d, err := n.svc.regions.Department(n.ctx, id)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		n.depts[id] = ""
	case err != nil:
		return "", err
	default:
		n.depts[id] = d.Name
	}
	return n.depts[id], nil
}

// ownNamer names the placement of account u for the reader: as namer
// does, but for the reader's own account by name whatever the scope.
func (s *Service) ownNamer(ctx context.Context, u *User) *namer {
	n := s.namer(ctx)
	a := authz.ActorFrom(ctx)
	n.own = a != nil && a.UserID != 0 && a.UserID == u.ID
	return n
}

// unscopedRegion is the division of code whatever the reader's scope,
// for names only: the first division whose code sorts after the code just
// below code (its last digit one less, then the highest character) is
// code itself when it exists.
func (s *Service) unscopedRegion(ctx context.Context, code string) (territory.Region, error) {
	if code == "" {
		return territory.Region{}, errs.NotFoundf("kind.region")
	}
	below := code[:len(code)-1] + string(code[len(code)-1]-1) + "~"
	rs, err := s.regions.UnscopedRegions(ctx, territory.RegionFilter{After: below, Limit: 1})
	if err != nil {
		return territory.Region{}, err
	}
	if len(rs) != 1 || rs[0].Code != code {
		return territory.Region{}, errs.NotFoundf("kind.region")
	}
	return rs[0], nil
}

// DepartmentChoice is a department an account may be placed in.
type DepartmentChoice struct {
	ID         int64
	Name       string
	RegionCode string
}

// DepartmentChoices lists the departments the actor may place department
// staff in: those in their scope (their own only, for a department's
// staff), named so that two of one name can be told apart.
func (s *Service) DepartmentChoices(ctx context.Context) ([]DepartmentChoice, error) {
	sc := authz.ScopeFrom(ctx)
	var out []DepartmentChoice
	for after := int64(0); ; {
		ds, err := s.regions.Departments(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if sc.Contains(d.RegionCode) && (sc.Department == 0 || sc.Department == d.ID) {
				out = append(out, DepartmentChoice{ID: d.ID, Name: d.Name, RegionCode: d.RegionCode})
			}
		}
		if len(ds) < 500 {
			break
		}
		after = ds[len(ds)-1].ID
	}
	seen := map[string]int{}
	for _, d := range out {
		seen[d.Name]++
	}
	n := s.namer(ctx)
	for i, d := range out {
		if seen[d.Name] > 1 {
			p, err := n.path(d.RegionCode)
			if err != nil {
				return nil, err
			}
			out[i].Name = d.Name + "（" + p + "）"
		}
	}
	return out, nil
}
