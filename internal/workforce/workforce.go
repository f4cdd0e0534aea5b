// Package workforce is the community workforce: community workers with
// their posts, social-work certificates, education and training; the
// staffing rule of no fewer than 18 community workers per 10,000 urban
// permanent residents; and the reserve pool of community Party secretaries
// filed with the organisation department.
package workforce

import (
	"context"
	"embed"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/memo"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	return db.Migrations{Module: "workforce", FS: module.Sub(migrationFiles, "migrations")}
}

// WorkersPer10k is the staffing floor: community workers per 10,000 urban
// permanent residents.
const WorkersPer10k = 18

// Vocabularies. Stored; do not rename.
var (
	Posts        = []string{"secretary", "director", "deputy", "member", "full_time_grid", "social_worker", "other"}
	Certificates = []string{"none", "assistant", "social_worker", "senior"}
	Educations   = []string{"high_school", "college", "bachelor", "master"}
	Statuses     = []string{"candidate", "filed", "appointed", "withdrawn"}
)

// Worker is a community worker.
type Worker struct {
	ID            int64     `json:"id"`
	RegionCode    string    `json:"region_code"`
	Name          string    `json:"name"`
	Post          string    `json:"post"`
	Certificate   string    `json:"certificate" doc:"social-work certificate: none, assistant (助理社会工作师), social_worker (社会工作师), senior"`
	Education     string    `json:"education"`
	TrainingHours int       `json:"training_hours"`
	CreatedAt     time.Time `json:"created_at"`
}

// WorkerInput adds a worker.
type WorkerInput struct {
	RegionCode    string `json:"region_code"`
	Name          string `json:"name"`
	Post          string `json:"post"`
	Certificate   string `json:"certificate"`
	Education     string `json:"education"`
	TrainingHours int    `json:"training_hours"`
}

// Candidate is in the reserve pool of community Party secretaries.
type Candidate struct {
	ID          int64     `json:"id"`
	RegionCode  string    `json:"region_code"`
	Name        string    `json:"name"`
	CurrentPost string    `json:"current_post"`
	Assessment  string    `json:"assessment,omitempty"`
	Score       int       `json:"score"`
	Status      string    `json:"status" doc:"candidate, filed (报备组织部), appointed, withdrawn"`
	FiledOn     string    `json:"filed_on,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// CandidateInput adds a candidate.
type CandidateInput struct {
	RegionCode  string `json:"region_code"`
	Name        string `json:"name"`
	CurrentPost string `json:"current_post"`
	Assessment  string `json:"assessment,omitempty"`
	Score       int    `json:"score"`
	Status      string `json:"status"`
	FiledOn     string `json:"filed_on,omitempty" doc:"YYYY-MM-DD; required once filed"`
}

// Staffing is the check of one area against the staffing floor.
type Staffing struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Residents  int     `json:"residents" doc:"registered and permanent residents in the population registry"`
	Workers    int     `json:"workers"`
	Required   int     `json:"required"`
	Shortfall  int     `json:"shortfall"`
	Per10k     float64 `json:"per_10k"`
	Certified  int     `json:"certified" doc:"workers holding a social-work certificate"`
	MeetsFloor bool    `json:"meets_floor"`
}

// ResidentCounter counts the urban permanent residents under each child
// prefix of a region; package registry provides it.
type ResidentCounter func(ctx context.Context, root string, childLen int) (map[string]int, error)

// Permissions.
const (
	PermView   authz.Perm = "workforce.view"
	PermManage authz.Perm = "workforce.manage"
)

// Service is the module's API.
type Service struct {
	db        *db.DB
	terr      *territory.Service
	residents ResidentCounter
	// counts keeps worker totals; adding a worker clears it.
	counts memo.Memo[map[string][2]int]
}

// NewService returns the service.
func NewService(d *db.DB, terr *territory.Service, residents ResidentCounter) *Service {
	return &Service{db: d, terr: terr, residents: residents, counts: memo.Memo[map[string][2]int]{TTL: time.Minute, Max: 10000}}
}

func (s *Service) checkCommunity(ctx context.Context, fe *errs.Fields, code string) {
	r, err := s.terr.ContainsRegion(ctx, code)
	if err != nil || r.Level != territory.LevelCommunity {
		fe.Add("region_code", "rule.community", code)
	}
}

// AddWorker records a community worker.
func (s *Service) AddWorker(ctx context.Context, in WorkerInput) (Worker, error) {
	var fe errs.Fields
	in.Name = text.LineField(&fe, "name", in.Name)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	s.checkCommunity(ctx, &fe, in.RegionCode)
	if !slices.Contains(Posts, in.Post) {
		fe.Add("post", "rule.one_of", strings.Join(Posts, ", "))
	}
	if !slices.Contains(Certificates, in.Certificate) {
		fe.Add("certificate", "rule.one_of", strings.Join(Certificates, ", "))
	}
	if !slices.Contains(Educations, in.Education) {
		fe.Add("education", "rule.one_of", strings.Join(Educations, ", "))
	}
	if in.TrainingHours < 0 || in.TrainingHours > 2000 {
		fe.Add("training_hours", "rule.range", "0–2000")
	}
	if err := fe.Err(); err != nil {
		return Worker{}, err
	}
	w := Worker{RegionCode: in.RegionCode, Name: in.Name, Post: in.Post, Certificate: in.Certificate, Education: in.Education, TrainingHours: in.TrainingHours}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		w.CreatedAt = tx.Now()
		if err := tx.QueryRowContext(ctx, `/* workforce.AddWorker */ INSERT INTO workforce_workers (region_code, name, post, certificate, education,
			training_hours, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			w.RegionCode, w.Name, w.Post, w.Certificate, w.Education, w.TrainingHours, w.CreatedAt, w.CreatedAt).Scan(&w.ID); err != nil {
			return fmt.Errorf("workforce: add worker: %w", err)
		}
		change.Touch(tx, TopicCounts)
		return audit.Record(ctx, tx, audit.Entry{Action: "workforce.worker.create", ObjectType: "worker", ObjectID: strconv.FormatInt(w.ID, 10), Region: w.RegionCode, After: w})
	})
	if err == nil {
		s.counts.Clear()
	}
	return w, err
}

// Workers lists workers in scope.
func (s *Service) Workers(ctx context.Context, region string, afterID int64, limit int) ([]Worker, error) {
	qb := db.NewQuery(`/* workforce.Workers */ SELECT id, region_code, name, post, certificate, education, training_hours, created_at FROM workforce_workers`).
		Scope(authz.ScopeFrom(ctx), "region_code", "")
	if region != "" {
		qb.Scope(authz.Scope{Region: region}, "region_code", "")
	}
	if afterID > 0 {
		qb.And("id > ?", afterID)
	}
	qb.Tail("ORDER BY region_code, id LIMIT ?", limit)
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Worker, error) {
		var w Worker
		err := r.Scan(&w.ID, &w.RegionCode, &w.Name, &w.Post, &w.Certificate, &w.Education, &w.TrainingHours, &w.CreatedAt)
		return w, err
	})
}

// AddCandidate puts someone in the reserve pool.
func (s *Service) AddCandidate(ctx context.Context, in CandidateInput) (Candidate, error) {
	var fe errs.Fields
	in.Name = text.LineField(&fe, "name", in.Name)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	s.checkCommunity(ctx, &fe, in.RegionCode)
	in.CurrentPost, in.Assessment = text.LineField(&fe, "current_post", in.CurrentPost), text.BlockField(&fe, "assessment", in.Assessment)
	if in.CurrentPost == "" {
		fe.Add("current_post", "rule.required", "")
	}
	if in.Score < 0 || in.Score > 100 {
		fe.Add("score", "rule.range", "0–100")
	}
	if !slices.Contains(Statuses, in.Status) {
		fe.Add("status", "rule.one_of", strings.Join(Statuses, ", "))
	}
	if in.Status == "filed" || in.FiledOn != "" {
		if _, err := time.Parse("2006-01-02", in.FiledOn); err != nil {
			fe.Add("filed_on", "rule.date", "")
		}
	}
	if err := fe.Err(); err != nil {
		return Candidate{}, err
	}
	c := Candidate{RegionCode: in.RegionCode, Name: in.Name, CurrentPost: in.CurrentPost, Assessment: in.Assessment, Score: in.Score, Status: in.Status, FiledOn: in.FiledOn}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c.CreatedAt = tx.Now()
		if err := tx.QueryRowContext(ctx, `/* workforce.AddCandidate */ INSERT INTO workforce_reserve (region_code, name, current_post, assessment,
			score, status, filed_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.RegionCode, c.Name, c.CurrentPost, c.Assessment, c.Score, c.Status, c.FiledOn, c.CreatedAt, c.CreatedAt).Scan(&c.ID); err != nil {
			return fmt.Errorf("workforce: add candidate: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "workforce.reserve.create", ObjectType: "reserve", ObjectID: strconv.FormatInt(c.ID, 10), Region: c.RegionCode, After: c})
	})
	return c, err
}

// Reserve lists the reserve pool in scope.
func (s *Service) Reserve(ctx context.Context, region string) ([]Candidate, error) {
	qb := db.NewQuery(`/* workforce.Reserve */ SELECT id, region_code, name, current_post, assessment, score, status, filed_on, created_at FROM workforce_reserve`).
		Scope(authz.ScopeFrom(ctx), "region_code", "")
	if region != "" {
		qb.Scope(authz.Scope{Region: region}, "region_code", "")
	}
	qb.Tail("ORDER BY score DESC, id LIMIT 1000")
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Candidate, error) {
		var c Candidate
		err := r.Scan(&c.ID, &c.RegionCode, &c.Name, &c.CurrentPost, &c.Assessment, &c.Score, &c.Status, &c.FiledOn, &c.CreatedAt)
		return c, err
	})
}

// WorkerCounts counts workers, and certified ones, by child prefix;
// coverage reports use it with residents they have already counted.
func (s *Service) WorkerCounts(ctx context.Context, root string, childLen int) (map[string][2]int, error) {
	return s.workerCounts(ctx, root, childLen)
}

// Check is the staffing check of one area.
func Check(code, name string, residents, workers, certified int) Staffing {
	return staffing(code, name, residents, workers, certified)
}

// workerCounts counts workers, and certified ones, by child prefix.
func (s *Service) workerCounts(ctx context.Context, root string, childLen int) (map[string][2]int, error) {
	sc := authz.ScopeFrom(ctx)
	key := fmt.Sprintf("%s/%d/%s", root, childLen, sc.Key())
	return s.counts.Load(key, func() (map[string][2]int, error) { return s.countWorkers(ctx, root, childLen) })
}

func (s *Service) countWorkers(ctx context.Context, root string, childLen int) (map[string][2]int, error) {
	qb := db.NewQuery(fmt.Sprintf(`/* workforce.workerCounts */ SELECT substr(region_code, 1, %d) AS k, COUNT(*),
		SUM(CASE WHEN certificate <> 'none' THEN 1 ELSE 0 END) FROM workforce_workers`, childLen)).
		Scope(authz.ScopeFrom(ctx), "region_code", "").Under("region_code", root)
	qb.Tail("GROUP BY k")
	q, args := qb.SQL()
	type row struct {
		k    string
		n, c int
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.n, &x.c)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("workforce: counts: %w", err)
	}
	out := map[string][2]int{}
	for _, x := range rows {
		out[x.k] = [2]int{x.n, x.c}
	}
	return out, nil
}

// StaffingOf checks the region itself and each of its children against
// the floor of WorkersPer10k workers per 10,000 residents.
func (s *Service) StaffingOf(ctx context.Context, code string) (Staffing, []Staffing, error) {
	reg, err := s.terr.Region(ctx, code)
	if err != nil {
		return Staffing{}, nil, err
	}
	kids, err := s.terr.Children(ctx, code)
	if err != nil {
		return Staffing{}, nil, err
	}
	childLen := len(code)
	if len(kids) > 0 {
		childLen = len(kids[0].Code)
	}
	res, err := s.residents(ctx, code, childLen)
	if err != nil {
		return Staffing{}, nil, err
	}
	wk, err := s.workerCounts(ctx, code, childLen)
	if err != nil {
		return Staffing{}, nil, err
	}
	var out []Staffing
	for _, k := range kids {
		if k.Level == territory.LevelGrid {
			continue
		}
		out = append(out, staffing(k.Code, k.Name, res[k.Code], wk[k.Code][0], wk[k.Code][1]))
	}
	// The region's own figures are everything under its code — its
	// children's and what is recorded on the region itself (a community's
	// residents live in its grids, its workers on the community) — so
	// they equal the region's row in its parent's check.
	var residents, workers, certified int
	for _, n := range res {
		residents += n
	}
	for _, w := range wk {
		workers, certified = workers+w[0], certified+w[1]
	}
	return staffing(reg.Code, reg.Name, residents, workers, certified), out, nil
}

func staffing(code, name string, residents, workers, certified int) Staffing {
	st := Staffing{Code: code, Name: name, Residents: residents, Workers: workers, Certified: certified}
	st.Required = int(math.Ceil(float64(residents) * WorkersPer10k / 10000))
	st.Shortfall = max(0, st.Required-workers)
	if residents > 0 {
		st.Per10k = math.Round(float64(workers)*10000/float64(residents)*10) / 10
	}
	st.MeetsFloor = st.Shortfall == 0
	return st
}

// Grants lists who holds the permissions.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}},
	}
}

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "workforce", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu:   []web.MenuItem{{Key: "nav.workforce", Path: "/workforce", Perm: PermView, Order: 26, Group: web.GroupRecords}},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
		Watch: []module.Watch{{Topic: TopicCounts, Reload: func(context.Context) error {
			svc.counts.Clear()
			return nil
		}}},
	}
}

// TopicCounts is the module's change-feed topic (package change): adding
// a worker touches it, and every instance clears its worker totals.
const TopicCounts = "workforce"

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /workforce", PermView, h.handlePage)
	r.Page("POST /workforce/workers", PermManage, h.handleWorkerAdd)
	r.Page("POST /workforce/reserve", PermManage, h.handleCandidateAdd)
	tabular.Register(r, h.svc.db, h.svc.tableSpec(), PermView, PermManage)
	tabular.Register(r, h.svc.db, h.svc.reserveSpec(), PermView, PermManage)
	r.API("GET /api/v1/workforce/workers", PermView, web.OpDoc{Summary: "Community workers in scope", Tag: "workforce",
		Query: append([]web.Param{{Name: "region", Type: "string"}}, web.PageQuery...), Response: web.List[Worker]{}}, h.apiWorkers)
	r.API("POST /api/v1/workforce/workers", PermManage, web.OpDoc{Summary: "Add a community worker", Tag: "workforce", Body: WorkerInput{}, Response: Worker{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.AddWorker))
	r.API("GET /api/v1/workforce/reserve", PermView, web.OpDoc{Summary: "Reserve pool of community Party secretaries", Tag: "workforce",
		Query: []web.Param{{Name: "region", Type: "string"}}, Response: []Candidate{}}, h.apiReserve)
	r.API("POST /api/v1/workforce/reserve", PermManage, web.OpDoc{Summary: "Add a reserve candidate", Tag: "workforce", Body: CandidateInput{}, Response: Candidate{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.AddCandidate))
	r.API("GET /api/v1/workforce/staffing/{code}", PermView, web.OpDoc{Summary: "Staffing check: 18 workers per 10,000 residents, for a region and its children", Tag: "workforce",
		Response: StaffingReport{}}, h.apiStaffing)
}

// StaffingReport is a region's staffing check with its children's.
type StaffingReport struct {
	Total    Staffing   `json:"total"`
	Children []Staffing `json:"children"`
}

type page struct {
	web.Page
	Region       string
	Total        Staffing
	Children     []Staffing
	Workers      []Worker
	Reserve      []Candidate
	CanManage    bool
	Errors       []string
	Posts        []string
	Certificates []string
	Educations   []string
	Statuses     []string
	// Names label the workers' and candidates' communities.
	Names map[string]string
	// Filter chooses the area by name; WorkerRegion and ReserveRegion
	// the new worker's and candidate's community.
	Filter, WorkerRegion, ReserveRegion web.RegionPicker
	FilterErrors                        []string
}

func (h *handler) page(r *http.Request) (page, error) {
	ctx := r.Context()
	p := page{Page: h.ui.Page(r, "title.workforce"), Posts: Posts, Certificates: Certificates, Educations: Educations, Statuses: Statuses}
	var err error
	p.Region, err = h.svc.terr.Picked(ctx, r.URL.Query(), "region")
	if errs.CodeOf(err) == errs.Invalid {
		p.FilterErrors, p.Region = h.ui.FieldMessages(p.Lang, err), ""
	} else if err != nil {
		return p, err
	}
	if p.Region == "" {
		root, err := h.svc.terr.Root(ctx)
		if err != nil {
			return p, err
		}
		p.Region = root
	}
	if p.Total, p.Children, err = h.svc.StaffingOf(ctx, p.Region); err != nil {
		return p, err
	}
	if p.Workers, err = h.svc.Workers(ctx, p.Region, 0, 300); err != nil {
		return p, err
	}
	if p.Reserve, err = h.svc.Reserve(ctx, p.Region); err != nil {
		return p, err
	}
	p.CanManage = p.Actor.Can(PermManage)
	codes := make([]string, 0, len(p.Workers)+len(p.Reserve))
	for _, w := range p.Workers {
		codes = append(codes, w.RegionCode)
	}
	for _, c := range p.Reserve {
		codes = append(codes, c.RegionCode)
	}
	if p.Names, err = h.svc.terr.UnscopedLabels(ctx, codes); err != nil {
		return p, err
	}
	if err := h.pickers(r, &p); err != nil {
		return p, err
	}
	return p, nil
}

// pickers fills the page's division pickers: the area shown, and for the
// forms that area when it is a community.
func (h *handler) pickers(r *http.Request, p *page) error {
	ctx := r.Context()
	var err error
	p.Filter = web.RegionPicker{ID: "pick-area", Name: "region", Label: p.T("region.division"), Code: p.Region,
		Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
	if p.Filter, err = h.svc.terr.Picker(ctx, p.Filter); err != nil {
		return err
	}
	community := ""
	if p.Filter.Level == string(territory.LevelCommunity) {
		community = p.Region
	}
	for _, x := range []struct {
		id  string
		dst *web.RegionPicker
	}{{"pick-worker-region", &p.WorkerRegion}, {"pick-reserve-region", &p.ReserveRegion}} {
		*x.dst = web.RegionPicker{ID: x.id, Name: "region_code", Label: p.T("region.community"), Code: community, Path: p.Filter.Path, Level: p.Filter.Level,
			Levels: []string{string(territory.LevelCommunity)}, Required: true, Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
		if community == "" {
			x.dst.Path, x.dst.Level = "", ""
		}
	}
	return nil
}

func (h *handler) handlePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.page(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "workforce", "", p)
}

func (h *handler) rerender(w http.ResponseWriter, r *http.Request, err error) error {
	if errs.CodeOf(err) != errs.Invalid {
		return err
	}
	p, perr := h.page(r)
	if perr != nil {
		return perr
	}
	p.Errors = append(p.Errors, h.ui.FieldMessages(p.Lang, err)...)
	return h.ui.Render(w, r, http.StatusUnprocessableEntity, "workforce", "", p)
}

// pickedCommunity reads the community picker of the page's forms.
func (h *handler) pickedCommunity(r *http.Request) (string, error) {
	if err := r.ParseForm(); err != nil {
		return "", errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	return h.svc.terr.Picked(r.Context(), r.PostForm, "region_code", territory.LevelCommunity)
}

func (h *handler) handleWorkerAdd(w http.ResponseWriter, r *http.Request) error {
	region, err := h.pickedCommunity(r)
	if err != nil {
		return h.rerender(w, r, err)
	}
	hours, _ := strconv.Atoi(r.PostFormValue("training_hours"))
	in := WorkerInput{RegionCode: region, Name: r.PostFormValue("name"), Post: r.PostFormValue("post"),
		Certificate: r.PostFormValue("certificate"), Education: r.PostFormValue("education"), TrainingHours: hours}
	if _, err := h.svc.AddWorker(r.Context(), in); err != nil {
		return h.rerender(w, r, err)
	}
	return web.Redirect(w, r, "/workforce?region="+in.RegionCode, "flash.saved")
}

func (h *handler) handleCandidateAdd(w http.ResponseWriter, r *http.Request) error {
	region, err := h.pickedCommunity(r)
	if err != nil {
		return h.rerender(w, r, err)
	}
	score, _ := strconv.Atoi(r.PostFormValue("score"))
	in := CandidateInput{RegionCode: region, Name: r.PostFormValue("name"), CurrentPost: r.PostFormValue("current_post"),
		Assessment: r.PostFormValue("assessment"), Score: score, Status: r.PostFormValue("status"), FiledOn: r.PostFormValue("filed_on")}
	if _, err := h.svc.AddCandidate(r.Context(), in); err != nil {
		return h.rerender(w, r, err)
	}
	return web.Redirect(w, r, "/workforce?region="+in.RegionCode, "flash.saved")
}

func (h *handler) apiWorkers(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	ws, err := h.svc.Workers(r.Context(), r.URL.Query().Get("region"), cur.ID, limit+1)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(ws, limit, func(x Worker) web.Cursor { return web.Cursor{ID: x.ID} }))
}

func (h *handler) apiReserve(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.svc.Reserve(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []Candidate{}
	}
	return web.JSON(w, http.StatusOK, cs)
}

func (h *handler) apiStaffing(w http.ResponseWriter, r *http.Request) error {
	total, kids, err := h.svc.StaffingOf(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if kids == nil {
		kids = []Staffing{}
	}
	return web.JSON(w, http.StatusOK, StaffingReport{Total: total, Children: kids})
}
