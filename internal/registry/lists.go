package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/territory"
)

// TagCare, given as a list's tag filter, selects anyone under special
// care: any of CareTags.
const TagCare = "care"

// CareTags are the tags that make a household a special-care household
// (关爱对象): the services and emergencies look after these first. Party
// membership is a tag but no need of care.
var CareTags = []string{"elderly_alone", "disability", "subsistence", "veteran", "left_behind_child", "key_care"}

// IsCare reports whether a tags column (comma-separated) holds a
// special-care tag.
func IsCare(tags string) bool {
	return slices.ContainsFunc(splitTags(tags), func(t string) bool { return slices.Contains(CareTags, t) })
}

// List orders: buildings by standard address (the default) or by their
// number of households, most first; people in the order of their search
// (the default) or by their household's address.
const (
	SortAddress    = "address"
	SortHouseholds = "households"
)

// maxQuery is the longest search text a list takes.
const maxQuery = 100

// checkListFilter checks the filters buildings and people share.
func checkListFilter(fe *errs.Fields, region, q, tag *string) {
	*region = strings.TrimSpace(*region)
	if *region != "" && (!allDigits(*region) || len(*region) > 15) {
		fe.Add("region", "rule.region_code", "")
	}
	*q = text.LineField(fe, "q", strings.TrimSpace(*q))
	if utf8.RuneCountInString(*q) > maxQuery {
		fe.Add("q", "rule.max_length", strconv.Itoa(maxQuery))
	}
	if *tag != "" && *tag != TagCare && !slices.Contains(Tags, *tag) {
		fe.Add("tag", "rule.one_of", TagCare+", "+strings.Join(Tags, ", "))
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// tagCond is the condition that the tags column col holds tag (TagCare:
// any special-care tag).
func tagCond(col, tag string) (string, []any) {
	tags := []string{tag}
	if tag == TagCare {
		tags = CareTags
	}
	conds := make([]string, len(tags))
	args := make([]any, len(tags))
	for i, t := range tags {
		conds[i] = "(',' || " + col + " || ',') LIKE ?"
		args[i] = "%," + t + ",%"
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// likeEscaped is %s% for a LIKE … ESCAPE '\' of what people typed.
func likeEscaped(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(s)) + "%"
}

// wideRoot reports whether a list's rows lie under a root wider than a
// community: its total is then read from the per-grid totals kept with
// every write (registry_region_counts) instead of counted row by row. A
// community's count is a few thousand index entries; a district's or a
// city's is hundreds of thousands to millions.
func wideRoot(sc authz.Scope, region string) bool {
	if sc.GridsOnly {
		return false
	}
	root := region
	if root == "" && !sc.All {
		root = sc.Region
	}
	return len(root) < 12
}

// keptTotal sums a column of the kept totals under the scope and region.
func keptTotal(ctx context.Context, q db.Querier, sc authz.Scope, region, expr string) (Total, error) {
	qb := db.NewQuery(`/* registry.keptTotal */ SELECT COALESCE(SUM(`+expr+`), 0) FROM registry_region_counts c`).Scope(sc, "c.region_code", "")
	if region != "" {
		qb.Under("c.region_code", region)
	}
	s, args := qb.SQL()
	var t Total
	if err := q.QueryRowContext(ctx, s, args...).Scan(&t.N); err != nil {
		return t, fmt.Errorf("registry: kept total: %w", err)
	}
	return t, nil
}

// MaxLiveTotal is where a total counted from the rows themselves stops:
// beyond it a list says "more than 10,000".
const MaxLiveTotal = 10000

// Total is how many rows a list's filters select, shown above its pages.
type Total struct {
	N int
	// More: there are more than N (a live count stops at MaxLiveTotal).
	More bool
}

// countRows counts the rows of qb, whose base is SELECT 1 FROM …, up to
// MaxLiveTotal.
func countRows(ctx context.Context, q db.Querier, qb *db.Query) (Total, error) {
	s, args := qb.Tail("LIMIT ?", MaxLiveTotal+1).SQL()
	var t Total
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+s+`) t`, args...).Scan(&t.N); err != nil {
		return t, err
	}
	if t.N > MaxLiveTotal {
		t.N, t.More = MaxLiveTotal, true
	}
	return t, nil
}

// subquery is a correlated subquery limited to the scope, with conds
// (whose arguments are args): the figures of a building count only the
// households and people the actor may see, so that a list's figures are
// those of the building's own page.
func subquery(sc authz.Scope, base, regionCol string, conds []string, args ...any) (string, []any) {
	qb := db.NewQuery(base).Scope(sc, regionCol, "")
	for _, c := range conds {
		qb.And(c)
	}
	s, sargs := qb.SQL()
	return "(" + s + ")", append(sargs, args...)
}

// BuildingFilter selects buildings for the lists.
type BuildingFilter struct {
	Region string // a grid, a community or any division, inside the scope
	Q      string // part of the standard address, the name or the compound
	Tag    string // someone in the building carries the tag (TagCare: any special-care tag)
	Sort   string // SortAddress (default) or SortHouseholds
	// AfterKey and AfterID are the cursor: the sort key and id of the
	// last building of the previous page.
	AfterKey string
	AfterID  int64
	Limit    int
}

// Validate checks a building filter's values.
func (f *BuildingFilter) Validate() error {
	var fe errs.Fields
	checkListFilter(&fe, &f.Region, &f.Q, &f.Tag)
	if f.Sort == "" {
		f.Sort = SortAddress
	}
	if f.Sort != SortAddress && f.Sort != SortHouseholds {
		fe.Add("sort", "rule.one_of", SortAddress+", "+SortHouseholds)
	}
	if f.Sort == SortHouseholds && f.AfterID > 0 {
		if _, err := strconv.Atoi(f.AfterKey); err != nil {
			fe.Add("cursor", "rule.cursor", "")
		}
	}
	return fe.Err()
}

// BuildingSummary is a building with the figures of its rooms, as the
// lists and its page show it. A room is a house of the building with the
// household living in it (实有房屋).
type BuildingSummary struct {
	Building
	RegionName     string `json:"region_name" doc:"the name of the building's grid (or community)"`
	Households     int    `json:"household_count" doc:"rooms registered in the building, one household each"`
	Occupied       int    `json:"occupied_count" doc:"rooms lived in: self-occupied or rented, not vacant"`
	Residents      int    `json:"resident_count" doc:"people living in the building's rooms"`
	CareHouseholds int    `json:"care_household_count" doc:"households with someone under special care"`
}

// Occupancy is the share of the rooms lived in, in whole percent.
func (b BuildingSummary) Occupancy() int {
	if b.Households == 0 {
		return 0
	}
	return (b.Occupied*100 + b.Households/2) / b.Households
}

// sortKey is the cursor key of b in a list sorted by sort.
func (b BuildingSummary) sortKey(sort string) string {
	if sort == SortHouseholds {
		return strconv.Itoa(b.Households)
	}
	return b.Address
}

// summaryCols are a building's columns and its figures, within sc.
func summaryCols(sc authz.Scope) (string, []any) {
	var args []any
	col := func(s string, a []any) string { args = append(args, a...); return s }
	careCond, careArgs := tagCond("p.tags", TagCare)
	const households = `SELECT COUNT(*) FROM registry_households h`
	const people = ` FROM registry_people p JOIN registry_households h ON h.id = p.household_id`
	hh := col(subquery(sc, households, "h.region_code", []string{"h.building_id = b.id"}))
	occ := col(subquery(sc, households, "h.region_code", []string{"h.building_id = b.id", "h.house_use <> 'vacant'"}))
	res := col(subquery(sc, `SELECT COUNT(*)`+people, "p.region_code", []string{"h.building_id = b.id", "p.moved_out_at IS NULL"}))
	care := col(subquery(sc, `SELECT COUNT(DISTINCT p.household_id)`+people, "p.region_code",
		[]string{"h.building_id = b.id", "p.moved_out_at IS NULL", careCond}, careArgs...))
	return buildingCols + `, ` + hh + ` AS households, ` + occ + ` AS occupied, ` + res + ` AS residents, ` + care + ` AS care`, args
}

func scanSummary(s db.Scanner) (BuildingSummary, error) {
	var b BuildingSummary
	var err error
	b.Building, err = scanBuilding(scanTail{s, []any{&b.Households, &b.Occupied, &b.Residents, &b.CareHouseholds}})
	return b, err
}

// scanTail scans a row of known columns followed by extra ones.
type scanTail struct {
	db.Scanner
	extra []any
}

func (w scanTail) Scan(dest ...any) error { return w.Scanner.Scan(append(dest, w.extra...)...) }

// buildingWhere adds a building filter's conditions (not its cursor).
func buildingWhere(qb *db.Query, sc authz.Scope, f BuildingFilter) {
	qb.Scope(sc, "b.region_code", "")
	if f.Region != "" {
		qb.Under("b.region_code", f.Region)
	}
	if f.Q != "" {
		like := likeEscaped(f.Q)
		qb.And(`lower(b.address) LIKE ? ESCAPE '\' OR lower(b.name) LIKE ? ESCAPE '\' OR lower(b.compound) LIKE ? ESCAPE '\'`, like, like, like)
	}
	if f.Tag != "" {
		cond, args := tagCond("p.tags", f.Tag)
		sub, sargs := subquery(sc, `SELECT 1 FROM registry_people p JOIN registry_households h ON h.id = p.household_id`, "p.region_code",
			[]string{"h.building_id = b.id", "p.moved_out_at IS NULL", cond}, args...)
		qb.And("EXISTS "+sub, sargs...)
	}
}

// findBuildingSummaries lists buildings with their figures in scope, a
// page after the cursor.
func findBuildingSummaries(ctx context.Context, q db.Querier, sc authz.Scope, f BuildingFilter) ([]BuildingSummary, error) {
	cols, colArgs := summaryCols(sc)
	var s string
	var args []any
	if f.Sort == SortHouseholds {
		// The count is no column: sort the derived rows.
		inner := db.NewQuery(`/* registry.findBuildingSummaries */ SELECT `+cols+` FROM registry_buildings b`, colArgs...)
		buildingWhere(inner, sc, f)
		is, iargs := inner.SQL()
		s = `SELECT * FROM (` + is + `) x`
		args = iargs
		if f.AfterID > 0 {
			n, _ := strconv.Atoi(f.AfterKey)
			s += ` WHERE (x.households < ? OR (x.households = ? AND x.id > ?))`
			args = append(args, n, n, f.AfterID)
		}
		s += ` ORDER BY x.households DESC, x.id LIMIT ?`
		args = append(args, f.Limit)
	} else {
		// The page is chosen by the address index first and its figures
		// counted after, for its rows only: a district's buildings are
		// not all counted to show fifty.
		ids := db.NewQuery(`SELECT b.id FROM registry_buildings b`)
		buildingWhere(ids, sc, f)
		if f.AfterID > 0 {
			ids.And("(b.address > ? OR (b.address = ? AND b.id > ?))", f.AfterKey, f.AfterKey, f.AfterID)
		}
		is, iargs := ids.Tail("ORDER BY b.address, b.id LIMIT ?", f.Limit).SQL()
		s = `/* registry.findBuildingSummaries */ SELECT ` + cols + ` FROM registry_buildings b WHERE b.id IN (` + is + `) ORDER BY b.address, b.id`
		args = append(append([]any{}, colArgs...), iargs...)
	}
	out, err := db.Collect(ctx, q, s, args, scanSummary)
	if err != nil {
		return nil, fmt.Errorf("registry: find buildings: %w", err)
	}
	return out, nil
}

// countBuildings is the number of buildings a filter matches.
func countBuildings(ctx context.Context, q db.Querier, sc authz.Scope, f BuildingFilter) (Total, error) {
	if f.Q == "" && f.Tag == "" && wideRoot(sc, f.Region) {
		return keptTotal(ctx, q, sc, f.Region, "c.buildings")
	}
	qb := db.NewQuery(`/* registry.countBuildings */ SELECT 1 FROM registry_buildings b`)
	buildingWhere(qb, sc, f)
	t, err := countRows(ctx, q, qb)
	if err != nil {
		return t, fmt.Errorf("registry: count buildings: %w", err)
	}
	return t, nil
}

// FindBuildings lists the buildings in the actor's scope that f selects,
// with their figures and the names of their grids: a page of f.Limit
// after f's cursor, and how many match in all.
func (s *Service) FindBuildings(ctx context.Context, f BuildingFilter) ([]BuildingSummary, Total, error) {
	if err := f.Validate(); err != nil {
		return nil, Total{}, err
	}
	if f.Limit <= 0 || f.Limit > 5001 {
		f.Limit = 50
	}
	sc := authz.ScopeFrom(ctx)
	items, err := findBuildingSummaries(ctx, s.db, sc, f)
	if err != nil {
		return nil, Total{}, err
	}
	total, err := countBuildings(ctx, s.db, sc, f)
	if err != nil {
		return nil, Total{}, err
	}
	if err := s.nameBuildings(ctx, items); err != nil {
		return nil, Total{}, err
	}
	return items, total, nil
}

// nameBuildings fills in the names of the buildings' grids.
func (s *Service) nameBuildings(ctx context.Context, bs []BuildingSummary) error {
	codes := make([]string, len(bs))
	for i, b := range bs {
		codes[i] = b.RegionCode
	}
	names, err := s.terr.UnscopedNames(ctx, codes)
	if err != nil {
		return err
	}
	for i := range bs {
		bs[i].RegionName = names[bs[i].RegionCode]
	}
	return nil
}

// BuildingFigures returns one building in scope with its figures.
func (s *Service) BuildingFigures(ctx context.Context, id int64) (BuildingSummary, error) {
	sc := authz.ScopeFrom(ctx)
	cols, colArgs := summaryCols(sc)
	qb := db.NewQuery(`/* registry.BuildingFigures */ SELECT `+cols+` FROM registry_buildings b`, colArgs...).And("b.id = ?", id).Scope(sc, "b.region_code", "")
	q, args := qb.SQL()
	b, err := db.One(ctx, s.db, q, args, scanSummary, error(errs.NotFoundf("kind.building")))
	if err != nil {
		if errs.CodeOf(err) != errs.NotFound {
			err = fmt.Errorf("registry: building %d: %w", id, err)
		}
		return b, err
	}
	one := []BuildingSummary{b}
	if err := s.nameBuildings(ctx, one); err != nil {
		return b, err
	}
	return one[0], nil
}

// Room is a household of a building as the building's page lists it,
// with the tags its current members carry.
type Room struct {
	Household
	Tags []string `json:"tags" doc:"tags of the current members (special care, Party membership)"`
}

// Care reports whether someone of the household is under special care.
func (r Room) Care() bool {
	return slices.ContainsFunc(r.Tags, func(t string) bool { return slices.Contains(CareTags, t) })
}

// Rooms lists the households of building id in scope, by room, a page of
// limit after the room afterKey (and id afterID), and how many there are.
func (s *Service) Rooms(ctx context.Context, id int64, afterKey string, afterID int64, limit int) ([]Room, Total, error) {
	var total Total
	sc := authz.ScopeFrom(ctx)
	if _, err := findBuilding(ctx, s.db, sc, id); err != nil {
		return nil, total, err
	}
	if limit <= 0 || limit > 501 {
		limit = 50
	}
	qb := db.NewQuery(`/* registry.Rooms */ SELECT `+householdCols+` FROM registry_households h`).And("h.building_id = ?", id).Scope(sc, "h.region_code", "")
	total, err := countRows(ctx, s.db, db.NewQuery(`/* registry.Rooms */ SELECT 1 FROM registry_households h`).And("h.building_id = ?", id).
		Scope(sc, "h.region_code", ""))
	if err != nil {
		return nil, total, fmt.Errorf("registry: count rooms of %d: %w", id, err)
	}
	if afterID > 0 {
		qb.And("(h.room > ? OR (h.room = ? AND h.id > ?))", afterKey, afterKey, afterID)
	}
	q, args := qb.Tail("ORDER BY h.room, h.id LIMIT ?", limit).SQL()
	hs, err := db.Collect(ctx, s.db, q, args, scanHousehold)
	if err != nil {
		return nil, total, fmt.Errorf("registry: rooms of %d: %w", id, err)
	}
	rooms := make([]Room, len(hs))
	ids := make([]any, len(hs))
	at := map[int64]int{}
	for i, h := range hs {
		rooms[i] = Room{Household: h, Tags: []string{}}
		ids[i] = h.ID
		at[h.ID] = i
	}
	if len(ids) == 0 {
		return rooms, total, nil
	}
	tq := db.NewQuery(`/* registry.Rooms */ SELECT p.household_id, p.tags FROM registry_people p`).
		And("p.household_id IN ("+db.In(len(ids))+")", ids...).And("p.moved_out_at IS NULL").And("p.tags <> ''").Scope(sc, "p.region_code", "")
	q, args = tq.SQL()
	type tagged struct {
		hh   int64
		tags string
	}
	ts, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (tagged, error) {
		var t tagged
		err := r.Scan(&t.hh, &t.tags)
		return t, err
	})
	if err != nil {
		return nil, total, fmt.Errorf("registry: tags of rooms of %d: %w", id, err)
	}
	held := map[int64]map[string]bool{}
	for _, t := range ts {
		if held[t.hh] == nil {
			held[t.hh] = map[string]bool{}
		}
		for _, tag := range splitTags(t.tags) {
			held[t.hh][tag] = true
		}
	}
	for hh, set := range held {
		r := &rooms[at[hh]]
		for _, t := range Tags { // in the order of Tags
			if set[t] {
				r.Tags = append(r.Tags, t)
			}
		}
	}
	return rooms, total, nil
}

// GridFigures counts a grid's buildings, households, residents and
// special-care households in the actor's scope, for the grid's page.
// Those without the registry's permission get errs.Forbidden.
func (s *Service) GridFigures(ctx context.Context, grid string) (territory.GridFigures, error) {
	var g territory.GridFigures
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermView) {
		return g, errs.E(errs.Forbidden, "err.forbidden")
	}
	sc := a.Scope
	careCond, careArgs := tagCond("p.tags", TagCare)
	for _, c := range []struct {
		qb  *db.Query
		col string
		out []*int
	}{
		{db.NewQuery(`/* registry.GridFigures */ SELECT COUNT(*) FROM registry_buildings b`), "b.region_code", []*int{&g.Buildings}},
		{db.NewQuery(`/* registry.GridFigures */ SELECT COUNT(*) FROM registry_households h`), "h.region_code", []*int{&g.Households}},
		{db.NewQuery(`/* registry.GridFigures */ SELECT COUNT(*) FROM registry_people p`).And("p.moved_out_at IS NULL"), "p.region_code", []*int{&g.Residents}},
		{db.NewQuery(`/* registry.GridFigures */ SELECT COUNT(DISTINCT p.household_id), COUNT(*) FROM registry_people p`).
			And("p.moved_out_at IS NULL").And(careCond, careArgs...), "p.region_code", []*int{&g.CareHouseholds, &g.CarePeople}},
	} {
		q, args := c.qb.Scope(sc, c.col, "").Under(c.col, grid).SQL()
		dest := make([]any, len(c.out))
		for i, p := range c.out {
			dest[i] = p
		}
		if err := s.db.QueryRowContext(ctx, q, args...).Scan(dest...); err != nil {
			return g, fmt.Errorf("registry: figures of grid %s: %w", grid, err)
		}
	}
	return g, nil
}

// PersonItem is a person as the lists show them: masked, with the address
// of their household and the name of their grid.
type PersonItem struct {
	*Person
	Address    string `json:"address,omitempty" doc:"the household's address"`
	RegionName string `json:"region_name" doc:"the name of the person's grid (or community)"`
}

// validatePersonFilter checks a list's person filter.
func validatePersonFilter(f *PersonFilter) error {
	var fe errs.Fields
	checkListFilter(&fe, &f.Region, &f.Q, &f.Tag)
	if f.Residence != "" && !slices.Contains(Residences, f.Residence) {
		fe.Add("residence", "rule.one_of", "registered, permanent, floating")
	}
	if f.Sort != "" && f.Sort != SortAddress {
		fe.Add("sort", "rule.one_of", SortAddress)
	}
	return fe.Err()
}

// peopleOrder is the order a person filter lists in.
func peopleOrder(f PersonFilter) string {
	q := f.Q
	switch {
	case f.Sort == SortAddress:
		return "address"
	case q == "" || looksLikeAddress(q) || len(q) == 18 || pii.ValidPhone(q):
		return "id"
	case isInitials(q):
		return "initials"
	}
	return "name"
}

// peopleWhere adds a person filter's conditions (not its cursor). idHash
// and phoneHash are the keyed hashes of Q taken as an ID number and as a
// phone number.
func peopleWhere(qb *db.Query, sc authz.Scope, f PersonFilter, idHash, phoneHash string) {
	qb.Scope(sc, "p.region_code", "")
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "p.region_code", "")
	}
	if !f.MovedOut {
		qb.And("p.moved_out_at IS NULL")
	}
	switch {
	case idHash != "":
		qb.And("p.id_hash = ?", idHash)
	case phoneHash != "":
		qb.And("p.phone_hash = ?", phoneHash)
	case f.Q != "" && looksLikeAddress(f.Q):
		qb.And(`p.household_id IN (SELECT hh.id FROM registry_households hh WHERE hh.address LIKE ?)`, "%"+f.Q+"%")
	case f.Q != "" && isInitials(f.Q):
		// Pinyin initials match from their start; ordered by the index so
		// that the first page is found without reading every match.
		lq := strings.ToLower(f.Q)
		qb.And(`p.name_initials >= ? AND p.name_initials < ?`, lq, lq+"\U0010FFFF")
	case f.Q != "":
		qb.And(`p.name >= ? AND p.name < ?`, f.Q, f.Q+"\U0010FFFF")
	}
	if f.Tag != "" {
		cond, args := tagCond("p.tags", f.Tag)
		qb.And(cond, args...)
	}
	if f.Residence != "" {
		qb.And("p.residence = ?", string(f.Residence))
	}
}

// findPersonItems lists people in scope with their household's address,
// a page after f's cursor.
func findPersonItems(ctx context.Context, q db.Querier, sc authz.Scope, f PersonFilter, idHash, phoneHash string) ([]PersonItem, error) {
	qb := db.NewQuery(`/* registry.findPeople */ SELECT ` + personCols + `, COALESCE(h.address, '') FROM registry_people p
		LEFT JOIN registry_households h ON h.id = p.household_id`)
	peopleWhere(qb, sc, f, idHash, phoneHash)
	var order string
	switch peopleOrder(f) {
	case "address":
		order = "COALESCE(h.address, ''), p.id"
		if f.AfterID > 0 {
			qb.And("(COALESCE(h.address, '') > ? OR (COALESCE(h.address, '') = ? AND p.id > ?))", f.AfterKey, f.AfterKey, f.AfterID)
		}
	case "initials":
		order = "p.name_initials, p.id"
		if f.AfterID > 0 {
			qb.And("(p.name_initials > ? OR (p.name_initials = ? AND p.id > ?))", f.AfterKey, f.AfterKey, f.AfterID)
		}
	case "name":
		order = "p.name, p.id"
		if f.AfterID > 0 {
			qb.And("(p.name > ? OR (p.name = ? AND p.id > ?))", f.AfterKey, f.AfterKey, f.AfterID)
		}
	default:
		order = "p.id"
		if f.AfterID > 0 {
			qb.And("p.id > ?", f.AfterID)
		}
	}
	qb.Tail("ORDER BY "+order+" LIMIT ?", f.Limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, func(r db.Scanner) (PersonItem, error) {
		var it PersonItem
		p, err := scanPerson(scanTail{r, []any{&it.Address}})
		it.Person = p
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: find people: %w", err)
	}
	return out, nil
}

// countPeople is the number of people a filter matches.
func countPeople(ctx context.Context, q db.Querier, sc authz.Scope, f PersonFilter, idHash, phoneHash string) (Total, error) {
	if f.Q == "" && f.Tag == "" && f.Residence == "" && !f.MovedOut && wideRoot(sc, f.Region) {
		return keptTotal(ctx, q, sc, f.Region, "c.residents + c.floating")
	}
	if f.Q == "" && f.Tag == TagCare && f.Residence == "" && !f.MovedOut {
		// Special-care residents are kept per grid too: a grid worker's
		// or a community's count reads a row a grid, not every resident.
		return keptTotal(ctx, q, sc, f.Region, "c.care")
	}
	qb := db.NewQuery(`/* registry.countPeople */ SELECT 1 FROM registry_people p`)
	peopleWhere(qb, sc, f, idHash, phoneHash)
	t, err := countRows(ctx, q, qb)
	if err != nil {
		return t, fmt.Errorf("registry: count people: %w", err)
	}
	return t, nil
}

// searchHashes normalises f.Q and returns the keyed hashes to find it by
// when it is an ID number or a phone number.
func (s *Service) searchHashes(f *PersonFilter) (idHash, phoneHash string) {
	q := strings.TrimSpace(f.Q)
	// An ID number or phone typed with full-width digits is found too.
	if id := pii.NormaliseID(q); len(id) == 18 && id[0] >= '0' && id[0] <= '9' {
		q = id
	} else if ph := pii.NormalisePhone(q); pii.ValidPhone(ph) {
		q = ph
	}
	f.Q = q
	switch {
	case len(q) == 18 && q[0] >= '0' && q[0] <= '9':
		idHash = s.keys.Hash(pii.NormaliseID(q))
	case pii.ValidPhone(q):
		phoneHash = s.keys.Hash(q)
	}
	return idHash, phoneHash
}

// FindPeople lists the people in the actor's scope that f selects,
// masked, with their household's address and their grid's name: a page
// of f.Limit after f's cursor, and how many match in all.
func (s *Service) FindPeople(ctx context.Context, f PersonFilter) ([]PersonItem, Total, error) {
	if err := validatePersonFilter(&f); err != nil {
		return nil, Total{}, err
	}
	if f.Limit <= 0 || f.Limit > 1001 {
		f.Limit = 50
	}
	idHash, phoneHash := s.searchHashes(&f)
	sc := authz.ScopeFrom(ctx)
	items, err := findPersonItems(ctx, s.db, sc, f, idHash, phoneHash)
	if err != nil {
		return nil, Total{}, err
	}
	total, err := countPeople(ctx, s.db, sc, f, idHash, phoneHash)
	if err != nil {
		return nil, Total{}, err
	}
	codes := make([]string, len(items))
	for i, it := range items {
		codes[i] = it.RegionCode
	}
	names, err := s.terr.UnscopedNames(ctx, codes)
	if err != nil {
		return nil, Total{}, err
	}
	for i := range items {
		items[i].RegionName = names[items[i].RegionCode]
	}
	return items, total, nil
}

// listKey is the cursor key of a person in a list filtered by f.
func (it PersonItem) listKey(f PersonFilter) string {
	switch peopleOrder(f) {
	case "address":
		return it.Address
	case "initials":
		return Initials(it.Name)
	case "name":
		return it.Name
	}
	return ""
}

// FindCompounds lists the compounds in scope under region, a page of limit
// after the id afterID, and how many there are.
func (s *Service) FindCompounds(ctx context.Context, region string, afterID int64, limit int) ([]Compound, Total, error) {
	sc := authz.ScopeFrom(ctx)
	qb := db.NewQuery(`/* registry.FindCompounds */ SELECT 1 FROM registry_compounds c`).Scope(sc, "c.region_code", "")
	if region != "" {
		qb.Under("c.region_code", region)
	}
	total, err := countRows(ctx, s.db, qb)
	if err != nil {
		return nil, total, fmt.Errorf("registry: count compounds: %w", err)
	}
	cs, err := s.Compounds(ctx, region, afterID, limit)
	if err != nil {
		return nil, total, fmt.Errorf("registry: compounds: %w", err)
	}
	return cs, total, nil
}
