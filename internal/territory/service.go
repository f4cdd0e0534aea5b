package territory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/memo"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/text"
)

// Service is the territory module's API for handlers and other modules.
type Service struct {
	db    *db.DB
	index *geo.Index // point → grid, kept in step with every grid write
	// indexed is the version of each grid in index (see SyncIndex).
	indexed gridStamps
	// counts keeps subtree counts, which every home page and report asks
	// for and which change only when divisions or grids are written.
	counts memo.Memo[map[string]Counts]
	// buildings gives the base map its buildings (SetBuildingSource).
	buildings BuildingSource
}

// NewService returns a service over d. Call LoadIndex before locating.
func NewService(d *db.DB) *Service {
	return &Service{db: d, index: geo.NewIndex(), counts: memo.Memo[map[string]Counts]{TTL: time.Minute, Max: 10000}}
}

// subtreeCounts is the cached store query.
func (s *Service) subtreeCounts(ctx context.Context, code string, childLen int) (map[string]Counts, error) {
	return s.counts.Load(code+"/"+strconv.Itoa(childLen), func() (map[string]Counts, error) {
		return subtreeCounts(ctx, s.db, code, childLen)
	})
}

// Region returns the region with its subtree counts, within the actor's scope.
func (s *Service) Region(ctx context.Context, code string) (RegionSummary, error) {
	r, err := findRegion(ctx, s.db, authz.ScopeFrom(ctx), code)
	if err != nil {
		return RegionSummary{}, err
	}
	counts, err := s.subtreeCounts(ctx, code, 0)
	if err != nil {
		return RegionSummary{}, err
	}
	c := counts[""]
	if c == nil {
		c = Counts{}
	}
	return RegionSummary{Region: r, Counts: c}, nil
}

// Children returns the direct children of a region in scope, each with the
// counts of its subtree.
func (s *Service) Children(ctx context.Context, code string) ([]RegionSummary, error) {
	if _, err := findRegion(ctx, s.db, authz.ScopeFrom(ctx), code); err != nil {
		return nil, err
	}
	kids, err := findRegions(ctx, s.db, authz.ScopeFrom(ctx), RegionFilter{Parent: code})
	if err != nil || len(kids) == 0 {
		return nil, err
	}
	counts, err := s.subtreeCounts(ctx, code, len(kids[0].Code))
	if err != nil {
		return nil, err
	}
	out := make([]RegionSummary, len(kids))
	for i, k := range kids {
		c := counts[k.Code]
		if c == nil {
			c = Counts{}
		}
		out[i] = RegionSummary{Region: k, Counts: c}
	}
	return out, nil
}

// Regions lists regions in scope.
func (s *Service) Regions(ctx context.Context, f RegionFilter) ([]Region, error) {
	var fe errs.Fields
	if f.Level != "" && !f.Level.Valid() {
		fe.Add("level", "rule.one_of", levelList())
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return findRegions(ctx, s.db, authz.ScopeFrom(ctx), f)
}

func levelList() string {
	var ls []string
	for _, l := range Levels {
		ls = append(ls, string(l))
	}
	return strings.Join(ls, ", ")
}

// Breadcrumb returns the ancestors of code that lie in the actor's scope,
// top down, ending with code itself.
func (s *Service) Breadcrumb(ctx context.Context, code string) ([]Region, error) {
	return s.breadcrumb(ctx, authz.ScopeFrom(ctx), code)
}

func (s *Service) breadcrumb(ctx context.Context, sc authz.Scope, code string) ([]Region, error) {
	var out []Region
	for _, n := range []int{2, 4, 6, 9, 12, 15} {
		if n > len(code) {
			break
		}
		if !sc.Contains(code[:n]) {
			continue
		}
		r, err := findRegion(ctx, s.db, sc, code[:n])
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Root returns the code of the widest region the actor sees: their scope
// root, or the city for unrestricted and anonymous callers (the city's code
// is public).
func (s *Service) Root(ctx context.Context) (string, error) {
	sc := authz.ScopeFrom(ctx)
	if !sc.All && sc.Home() != "" {
		return sc.Home(), nil
	}
	rs, err := findRegions(ctx, s.db, authz.All, RegionFilter{Level: LevelCity, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", errs.NotFoundf("kind.region")
	}
	return rs[0].Code, nil
}

// RowError is one bad row of an import.
type RowError = tabular.RowError

// ImportReport tells what an import did.
type ImportReport struct {
	Rows      int `json:"rows"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	// Folded counts the placeholder rows of a municipality (市辖区, 县)
	// that were left out, their districts hung under the municipality.
	Folded    int        `json:"folded,omitempty"`
	Errors    []RowError `json:"errors,omitempty"`
	Committed bool       `json:"committed"`
}

// ImportOptions controls an import.
type ImportOptions struct {
	// KeepGood commits the good rows even when some rows are bad.
	KeepGood bool
	// Progress, when set, is called with rows done and rows in all.
	Progress func(done, total int)
}

var csvHeader = []string{"code", "name", "level", "parent_code", "kind"}

// ImportCSV loads divisions from CSV (columns code,name,level,parent_code,
// kind) inside the actor's scope. Every row is checked and every bad row
// reported; nothing is written if any row is bad unless KeepGood is set.
// Re-importing the same file changes nothing.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader, opt ImportOptions) (ImportReport, error) {
	var rep ImportReport
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return rep, errs.E(errs.Invalid, "err.csv", err.Error())
	}
	if len(recs) == 0 || !slices.Equal(trimBOM(recs[0]), csvHeader) {
		return rep, errs.Field("header", "rule.csv_header", strings.Join(csvHeader, ","))
	}
	sc := authz.ScopeFrom(ctx)
	known, err := existingCodes(ctx, s.db)
	if err != nil {
		return rep, err
	}
	var good []Region
	rep.Rows = len(recs) - 1
	placeholders := municipalPlaceholders(recs[1:], known)
	for i, rec := range recs[1:] {
		row := i + 2
		if len(rec) == len(csvHeader) {
			code, parent := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[3])
			if _, ok := placeholders[code]; ok {
				rep.Folded++
				continue
			}
			if p, ok := placeholders[parent]; ok {
				rec[3] = p
			}
			if IsMunicipality(code) && strings.TrimSpace(rec[2]) == string(LevelProvince) {
				rec[2] = string(LevelCity)
			}
		}
		reg, rowErrs := validateRow(rec, row, known, sc)
		if len(rowErrs) > 0 {
			rep.Errors = append(rep.Errors, rowErrs...)
			continue
		}
		known[reg.Code] = reg.Level
		good = append(good, reg)
	}
	if len(rep.Errors) > 0 && !opt.KeepGood {
		rep.Skipped = rep.Rows - rep.Folded
		return rep, nil
	}
	rep.Skipped = rep.Rows - rep.Folded - len(good)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, reg := range good {
			changed, err := upsertRegion(ctx, tx, reg)
			if err != nil {
				return err
			}
			if changed {
				rep.Changed++
			} else {
				rep.Unchanged++
			}
			if opt.Progress != nil && (i%200 == 0 || i == len(good)-1) {
				opt.Progress(i+1, len(good))
			}
		}
		change.Touch(tx, TopicRegions)
		return audit.Record(ctx, tx, audit.Entry{Action: "territory.import", ObjectType: "region", ObjectID: "*",
			Region: rootOf(sc, good), Detail: map[string]int{"rows": rep.Rows, "changed": rep.Changed, "skipped": rep.Skipped}})
	})
	if err != nil {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, err
	}
	rep.Committed = true
	s.counts.Clear()
	return rep, nil
}

// municipalities are the province-level municipalities (直辖市) of GB/T
// 2260: 北京, 天津, 上海, 重庆. Their districts sit directly below the
// province code; the statistical lists put placeholders in between (1101
// 市辖区; Chongqing's 5001 市辖区 and 5002 县), which would split one city
// into two.
var municipalities = map[string]bool{"11": true, "12": true, "31": true, "50": true}

// IsMunicipality reports whether code is a province-level municipality,
// which the platform treats as one city at its two-digit code.
func IsMunicipality(code string) bool { return municipalities[code] }

// CityCodeLen is the length of the code of the city that code lies in: 4,
// or 2 inside a municipality (110101 东城区 is in the city 11 北京市). Per-
// level counts roll a division up to its city with it.
func CityCodeLen(code string) int {
	if len(code) >= 2 && IsMunicipality(code[:2]) {
		return codeLen[LevelProvince]
	}
	return codeLen[LevelCity]
}

// placeholderNames are the names the statistical lists give the
// city-level placeholders of a municipality.
var placeholderNames = map[string]bool{"市辖区": true, "县": true}

// municipalPlaceholders finds the placeholder rows of the municipalities
// the file (or the database) holds: city-level rows named 市辖区 or 县
// directly below a municipality. It maps each placeholder's code to the
// municipality's, under which its districts are imported instead: the
// municipality is the city.
func municipalPlaceholders(recs [][]string, known map[string]Level) map[string]string {
	present := map[string]bool{}
	for m := range municipalities {
		present[m] = known[m] != ""
	}
	for _, rec := range recs {
		if len(rec) == len(csvHeader) && IsMunicipality(strings.TrimSpace(rec[0])) {
			present[strings.TrimSpace(rec[0])] = true
		}
	}
	out := map[string]string{}
	for _, rec := range recs {
		if len(rec) != len(csvHeader) {
			continue
		}
		code, name, level, parent := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2]), strings.TrimSpace(rec[3])
		if level == string(LevelCity) && IsMunicipality(parent) && present[parent] && len(code) == codeLen[LevelCity] &&
			strings.HasPrefix(code, parent) && placeholderNames[name] {
			out[code] = parent
		}
	}
	return out
}

// codeLenOf is the length r's code must have: its level's, but two digits
// for a municipality, which is a city at its province code.
func codeLenOf(r Region) int {
	if r.Level == LevelCity && IsMunicipality(r.Code) {
		return codeLen[LevelProvince]
	}
	return codeLen[r.Level]
}

func rootOf(sc authz.Scope, rs []Region) string {
	if !sc.All {
		return sc.Home()
	}
	if len(rs) > 0 {
		return rs[0].Code[:min(4, len(rs[0].Code))]
	}
	return ""
}

func trimBOM(h []string) []string {
	out := append([]string(nil), h...)
	if len(out) > 0 {
		out[0] = strings.TrimPrefix(out[0], "\ufeff")
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

func validateRow(rec []string, row int, known map[string]Level, sc authz.Scope) (Region, []RowError) {
	var es []RowError
	add := func(col, rule, val string) { es = append(es, RowError{Row: row, Column: col, Rule: rule, Value: val}) }
	if len(rec) != len(csvHeader) {
		add("*", "rule.csv_columns", strconv.Itoa(len(rec)))
		return Region{}, es
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	r := Region{Code: rec[0], Name: rec[1], Level: Level(rec[2]), ParentCode: rec[3], Kind: rec[4]}
	if !digits(r.Code) {
		add("code", "rule.digits", r.Code)
	}
	name, rule := text.Line(r.Name)
	if r.Name = name; rule != "" {
		add("name", rule, "")
	} else if r.Name == "" {
		add("name", "rule.required", "")
	} else if utf8.RuneCountInString(r.Name) > 100 {
		add("name", "rule.max_length", "100")
	}
	if !r.Level.Valid() {
		add("level", "rule.one_of", levelList())
	} else if digits(r.Code) && len(r.Code) != codeLenOf(r) {
		add("code", "rule.code_length", strconv.Itoa(codeLenOf(r)))
	}
	if r.Level.Valid() && r.Level != LevelProvince && !(r.Level == LevelCity && IsMunicipality(r.Code)) {
		switch {
		case r.ParentCode == "":
			add("parent_code", "rule.required", "")
		case !strings.HasPrefix(r.Code, r.ParentCode) || len(r.ParentCode) >= len(r.Code):
			add("parent_code", "rule.parent_prefix", r.ParentCode)
		case known[r.ParentCode] == "":
			add("parent_code", "rule.parent_unknown", r.ParentCode)
		}
	}
	if r.Kind != "" && r.Kind != "urban" && r.Kind != "village" {
		add("kind", "rule.one_of", r.Kind)
	}
	if len(es) == 0 && !sc.Contains(r.Code) {
		add("code", "rule.out_of_scope", r.Code)
	}
	// A municipality imported before it was treated as the city becomes
	// the city; no other division changes level.
	if old, ok := known[r.Code]; ok && len(es) == 0 && old != r.Level && !(old == LevelProvince && r.Level == LevelCity && IsMunicipality(r.Code)) {
		add("level", "rule.level_change", string(old))
	}
	return r, es
}

func (l Level) String() string { return string(l) }

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Departments lists the departments the actor sees: those serving their
// subtree or an area above it.
func (s *Service) Departments(ctx context.Context, afterID int64, limit int) ([]Department, error) {
	return findDepartments(ctx, s.db, authz.ScopeFrom(ctx), afterID, limit)
}

// Department returns one department the actor sees.
func (s *Service) Department(ctx context.Context, id int64) (Department, error) {
	return findDepartment(ctx, s.db, authz.ScopeFrom(ctx), id)
}

// DepartmentServing returns department id when it serves region: it sits
// in region's subtree or above it. Cases use it to check the department
// they dispatch or whistle to, on a case the actor may already act on.
func (s *Service) DepartmentServing(ctx context.Context, region string, id int64) (Department, error) {
	return findDepartment(ctx, s.db, authz.Scope{Region: region}, id)
}

// DepartmentsServing lists the departments that serve region.
func (s *Service) DepartmentsServing(ctx context.Context, region string, afterID int64, limit int) ([]Department, error) {
	return findDepartments(ctx, s.db, authz.Scope{Region: region}, afterID, limit)
}

// UnscopedDepartments lists every department, for city-wide system work
// (the monthly ranking of all departments).
func (s *Service) UnscopedDepartments(ctx context.Context, afterID int64, limit int) ([]Department, error) {
	return findDepartments(ctx, s.db, authz.All, afterID, limit)
}

// UnscopedCommunities lists the communities in the subtree of code (code
// itself when it is one), in code order, for work sent to every community
// of an area the caller has already checked.
func (s *Service) UnscopedCommunities(ctx context.Context, code string) ([]Region, error) {
	return findRegions(ctx, s.db, authz.Scope{Region: code}, RegionFilter{Level: LevelCommunity, Limit: 100000})
}

// UnscopedRegions lists divisions whatever the actor, for names and
// rankings computed over a subtree the caller has already checked.
func (s *Service) UnscopedRegions(ctx context.Context, f RegionFilter) ([]Region, error) {
	return findRegions(ctx, s.db, authz.All, f)
}

// DepartmentInput is what is needed to create a department.
type DepartmentInput struct {
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

// CreateDepartment adds a department serving a region in the actor's scope.
func (s *Service) CreateDepartment(ctx context.Context, in DepartmentInput) (Department, error) {
	var fe errs.Fields
	in.Name = text.LineField(&fe, "name", in.Name)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > 100 {
		fe.Add("name", "rule.max_length", "100")
	}
	if in.RegionCode == "" {
		fe.Add("region_code", "rule.required", "")
	}
	if err := fe.Err(); err != nil {
		return Department{}, err
	}
	sc := authz.ScopeFrom(ctx)
	d := Department{Name: in.Name, RegionCode: in.RegionCode}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := findRegion(ctx, tx, sc, in.RegionCode); err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return errs.Field("region_code", "rule.region_code", in.RegionCode)
			}
			return err
		}
		if err := insertDepartment(ctx, tx, &d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "territory.department.create", ObjectType: "department",
			ObjectID: strconv.FormatInt(d.ID, 10), Region: d.RegionCode, After: d})
	})
	return d, err
}

// EnsureDepartment returns the department named name serving region,
// creating it when absent. It is for the demo and the command line.
func (s *Service) EnsureDepartment(ctx context.Context, name, region string) (Department, error) {
	d, err := s.CreateDepartment(ctx, DepartmentInput{Name: name, RegionCode: region})
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.Invalid && len(e.Fields) == 1 && e.Fields[0].Rule == "rule.unique" {
		row := s.db.QueryRowContext(ctx, `/* territory.EnsureDepartment */ SELECT `+deptCols+
			` FROM territory_departments WHERE name = ? AND region_code = ?`, name, region)
		d, err = scanDept(row)
		if err != nil {
			return d, fmt.Errorf("territory: department %s: %w", name, err)
		}
		return d, nil
	}
	return d, err
}

// ContainsRegion reports whether code exists in the actor's scope; other
// modules use it to validate region codes they are given.
func (s *Service) ContainsRegion(ctx context.Context, code string) (Region, error) {
	return findRegion(ctx, s.db, authz.ScopeFrom(ctx), code)
}
