package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/workday"
	"grassroots/internal/registry"
)

// The demo's cases are filed through the workflow as people would have
// filed and moved them over the last months: each step at its own time,
// with the database clock set back to that time while it is taken, so
// that deadlines, overdue cases, monthly counts, rankings and the
// timelines read as they would after months of use. The steps of all
// cases run in the order of their times.

// demoClock is the database clock the demo moves back while it files its
// cases' history, and forward again when it is done: the demo command's
// shiftClock, or the tests' fake clock.
type demoClock interface{ Add(time.Duration) }

// shiftClock is the clock of the demo command's database: the real time,
// moved by an offset that is zero once the demo is loaded.
type shiftClock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now is the real time moved by the offset.
func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Add moves the clock by d.
func (c *shiftClock) Add(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// demoCaseTexts are the demo reports: a sub-class and what the resident
// wrote (all invented).
var demoCaseTexts = []struct{ category, text string }{
	{"0101", "楼下垃圾桶满溢，两天没人清运（演示）"}, {"0303", "小区门口路灯不亮，晚上很黑（演示）"},
	{"0302", "人行道井盖松动，踩上去会翻（演示）"}, {"0201", "菜市场外占道经营，堵住消防通道（演示）"},
	{"0701", "楼上夜里装修噪声扰民（演示）"}, {"0802", "楼道里有人给电动车充电（演示）"},
	{"0603", "3 号楼电梯经常停运（演示）"}, {"0501", "台风后行道树倒伏压到围墙（演示）"},
	{"0104", "单元门上小广告贴满了（演示）"}, {"0801", "小区消防通道被私家车堵住（演示）"},
}

// demoSpreadTexts are the reports of the other districts' subdistricts
// (all invented).
var demoSpreadTexts = []struct{ category, text string }{
	{"0101", "路边垃圾堆放多日无人清运（演示）"}, {"0103", "路面有大片油污，行人容易滑倒（演示）"},
	{"0201", "早市摊贩占用人行道（演示）"}, {"0203", "建材堆在小区出入口（演示）"},
	{"0301", "道路坑洼，雨天积水（演示）"}, {"0303", "一段路灯连续几晚不亮（演示）"},
	{"0401", "路边水管漏水，地面一直是湿的（演示）"}, {"0403", "健身器材螺丝松动（演示）"},
	{"0501", "枯树有倒伏危险（演示）"}, {"0503", "绿地里垃圾很多（演示）"},
	{"0602", "物业不处理楼道堆物（演示）"}, {"0603", "电梯困人，维修不及时（演示）"},
	{"0604", "外墙瓷砖脱落（演示）"}, {"0702", "邻居在公共走廊堆放杂物引发矛盾（演示）"},
	{"0703", "小区里遛狗不拴绳（演示）"}, {"0801", "消防通道被车辆占用（演示）"},
	{"0802", "电动车在楼道里充电（演示）"}, {"0901", "工地夜间施工噪声大（演示）"},
}

// demoStep is one step of a case's history: its report, a move or the
// reporter's rating, taken by who at its time.
type demoStep struct {
	at     time.Time
	who    context.Context
	report *cases.ReportInput
	move   cases.Move
	rate   *cases.RateInput
}

// demoStory is the history of one case.
type demoStory struct {
	steps []demoStep
	c     *cases.Case
}

// newDemoStory starts a case reported by who at at.
func newDemoStory(at time.Time, who context.Context, in cases.ReportInput) *demoStory {
	return &demoStory{steps: []demoStep{{at: at, who: who, report: &in}}}
}

// then adds a move taken by who gap after the last step.
func (s *demoStory) then(gap time.Duration, who context.Context, m cases.Move) *demoStory {
	s.steps = append(s.steps, demoStep{at: s.last().Add(gap), who: who, move: m})
	return s
}

// rated adds the reporter's rating, given by who gap after the last step.
func (s *demoStory) rated(gap time.Duration, who context.Context, in cases.RateInput) *demoStory {
	s.steps = append(s.steps, demoStep{at: s.last().Add(gap), who: who, rate: &in})
	return s
}

func (s *demoStory) last() time.Time { return s.steps[len(s.steps)-1].at }

// upTo keeps the first n steps and those before now: what has happened.
func (s *demoStory) upTo(n int, now time.Time) *demoStory {
	if n < len(s.steps) {
		s.steps = s.steps[:n]
	}
	for i, st := range s.steps {
		if st.at.After(now) {
			s.steps = s.steps[:i]
			break
		}
	}
	return s
}

// demoStandIn acts for the staff of a division, department or company
// that has no demo account: the role's permissions in sc, named on the
// case's timeline by the unit, and recorded in the audit log as the demo
// loader (system:demo).
func demoStandIn(ctx context.Context, a *App, role authz.Role, sc authz.Scope, name string) context.Context {
	act := authz.System("demo")
	act.System, act.Role, act.Scope, act.Perms, act.DisplayName = false, role, sc, a.Policy.Perms(role), name
	return authz.WithActor(ctx, act)
}

// demoAccountCtx is ctx acting as demo account name.
func demoAccountCtx(ctx context.Context, a *App, name string) (context.Context, error) {
	u, err := a.Accounts.UserByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("demo account %s: %w", name, err)
	}
	act, err := a.Accounts.ActorFor(ctx, u)
	if err != nil {
		return nil, err
	}
	return authz.WithActor(ctx, act), nil
}

// seedDemoCases files the demo's cases, each part once (a part that has
// cases already is left alone): the cases demo-resident reported in
// 民巷社区 at every stage; demo-member's reports, one of them closed and
// waiting for the member's rating; the cases about the estates of
// 演示物业服务有限公司 that demo-property answers; and cases over the
// last months in every subdistrict of demoAreas (滕王阁街道's taken by
// its demo accounts), some overdue, most rated, each subdistrict with
// its own pace and satisfaction. The clock is back where it was when it
// returns.
func seedDemoCases(ctx context.Context, a *App, out io.Writer, clk demoClock, buildingsPerGrid int) error {
	sys := authz.WithActor(ctx, authz.System("demo"))
	start, now := time.Now(), a.DB.Now()
	var stories []*demoStory
	for _, part := range []func(context.Context, *App, time.Time) ([]*demoStory, error){demoResidentStories, demoMemberStories, demoPropertyStories} {
		ss, err := part(sys, a, now)
		if err != nil {
			return err
		}
		stories = append(stories, ss...)
	}
	for _, ar := range demoAreas(buildingsPerGrid) {
		ss, err := demoAreaStories(sys, a, now, ar)
		if err != nil {
			return err
		}
		stories = append(stories, ss...)
	}
	if len(stories) == 0 {
		return nil
	}
	if err := runDemoStories(a, clk, stories); err != nil {
		return err
	}
	// The overdue counts are the deadline sweep's: count them now.
	if _, err := a.Cases.Sweep(sys); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d demo cases (演示) over the last months, at every stage of the workflow, in %s.\n", len(stories), time.Since(start).Round(time.Millisecond))
	return nil
}

// runDemoStories takes the steps of all stories in the order of their
// times, with the clock at each step's time, and puts the clock back.
func runDemoStories(a *App, clk demoClock, stories []*demoStory) error {
	type event struct {
		at   time.Time
		s, k int
	}
	var evs []event
	for i, st := range stories {
		for k, step := range st.steps {
			evs = append(evs, event{step.at, i, k})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	var moved time.Duration
	defer func() { clk.Add(-moved) }()
	for _, ev := range evs {
		d := ev.at.Sub(a.DB.Now())
		clk.Add(d)
		moved += d
		st, step := stories[ev.s], stories[ev.s].steps[ev.k]
		var err error
		switch {
		case step.report != nil:
			var in cases.Intake
			in, err = a.Cases.Report(step.who, *step.report)
			st.c = in.Case
		case st.c == nil:
			continue
		case step.rate != nil:
			st.c, err = a.Cases.Rate(step.who, st.c.ID, "", *step.rate)
		default:
			m := step.move
			m.Version = st.c.Version
			st.c, err = a.Cases.Act(step.who, st.c.ID, m)
		}
		if err != nil {
			return fmt.Errorf("demo case %d, step %d: %w", ev.s, ev.k, describe(a, err))
		}
	}
	return nil
}

// demoBuildingPoints are the points of the first limit buildings of each
// of codes.
func demoBuildingPoints(ctx context.Context, a *App, limit int, codes ...string) ([]registry.Building, error) {
	var out []registry.Building
	for _, code := range codes {
		bs, err := a.Registry.Buildings(ctx, code, 0, limit)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Lon != nil && b.Lat != nil {
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// demoHas reports whether who sees any case that f selects.
func demoHas(who context.Context, a *App, f cases.Filter) (bool, error) {
	t, err := a.Cases.Total(who, f)
	return t.N > 0, err
}

// atOfficeHour is the time back days before now, at an office hour of
// that day (China Standard Time) drawn from r.
func atOfficeHour(r *rand.Rand, now time.Time, back int) time.Time {
	y, m, d := now.In(workday.CST).AddDate(0, 0, -back).Date()
	return time.Date(y, m, d, 9, 0, 0, 0, workday.CST).Add(time.Duration(r.IntN(7*60)) * time.Minute).UTC()
}

// demoResidentStories are demo-resident's reports at the buildings of
// demo-grid's two grids, moved along the workflow to every stage over the
// last weeks; the closed ones rated.
func demoResidentStories(sys context.Context, a *App, now time.Time) ([]*demoStory, error) {
	res, err := demoAccountCtx(sys, a, "demo-resident")
	if err != nil {
		return nil, err
	}
	if done, err := demoHas(res, a, cases.Filter{View: "mine"}); err != nil || done {
		return nil, err
	}
	who := map[string]context.Context{}
	for _, name := range []string{"demo-secretary", "demo-grid", "demo-dept"} {
		if who[name], err = demoAccountCtx(sys, a, name); err != nil {
			return nil, err
		}
	}
	cg, err := a.Territory.EnsureDepartment(sys, "东湖区城市管理局"+demoMark, demoDistrict)
	if err != nil {
		return nil, err
	}
	points, err := demoBuildingPoints(sys, a, 20, demoCommunityA+"001", demoCommunityA+"002")
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	sec, grid, dept := who["demo-secretary"], who["demo-grid"], who["demo-dept"]
	var out []*demoStory
	for i, b := range points {
		t := demoCaseTexts[i%len(demoCaseTexts)]
		// From about five weeks ago to today, a case every two days.
		at := atOfficeHour(rng, now, 2*(len(points)-i)+rng.IntN(2)-1)
		st := newDemoStory(at, res, cases.ReportInput{Category: t.category, Description: t.text, Lon: b.Lon, Lat: b.Lat, ContactPhone: "13900000000"})
		dispatch, handler := cases.Move{Action: "dispatch", UnitKind: cases.UnitDepartment, DeptID: cg.ID}, dept
		if t.category == "0701" || t.category == "0802" {
			dispatch, handler = cases.Move{Action: "dispatch", UnitKind: cases.UnitCommunity}, sec
		}
		st.then(40*time.Minute, sec, cases.Move{Action: "accept"}).
			then(30*time.Minute, sec, cases.Move{Action: "register"}).
			then(20*time.Minute, sec, dispatch).
			then(time.Duration(4+rng.IntN(40))*time.Hour, handler, cases.Move{Action: "handle", Note: "已处置（演示）"}).
			then(3*time.Hour, grid, cases.Move{Action: "verify", Pass: ptrTrue()}).
			then(time.Hour, sec, cases.Move{Action: "close"})
		n := 1 + rng.IntN(len(st.steps))
		if n == len(st.steps) {
			sat := cases.Satisfactions[rng.IntN(len(cases.Satisfactions))]
			st.rated(20*time.Hour, res, cases.RateInput{Resolved: sat != "unsatisfied", Satisfaction: sat})
			n++
		}
		out = append(out, st.upTo(n, now))
	}
	return out, nil
}

// demoMemberStories are demo-member's reports in 民巷社区: one closed
// and rated, one closed and waiting for the member's rating, one being
// handled by the community, and one just filed.
func demoMemberStories(sys context.Context, a *App, now time.Time) ([]*demoStory, error) {
	member, err := demoAccountCtx(sys, a, "demo-member")
	if err != nil {
		return nil, err
	}
	if done, err := demoHas(member, a, cases.Filter{View: "mine"}); err != nil || done {
		return nil, err
	}
	sec, err := demoAccountCtx(sys, a, "demo-secretary")
	if err != nil {
		return nil, err
	}
	points, err := demoBuildingPoints(sys, a, 1, demoCommunityA+"003", demoCommunityA+"004")
	if err != nil || len(points) == 0 {
		return nil, err
	}
	r := rand.New(rand.NewPCG(demoSeed, 12))
	// days back at an office hour; 0: three hours ago.
	report := func(i int, days int, category, text string) *demoStory {
		b, at := points[i%len(points)], now.Add(-3*time.Hour).Truncate(time.Minute)
		if days > 0 {
			at = atOfficeHour(r, now, days)
		}
		return newDemoStory(at, member, cases.ReportInput{Category: category, Description: text, Lon: b.Lon, Lat: b.Lat})
	}
	handled := func(st *demoStory, handle time.Duration) *demoStory {
		return st.then(30*time.Minute, sec, cases.Move{Action: "accept"}).
			then(20*time.Minute, sec, cases.Move{Action: "register"}).
			then(20*time.Minute, sec, cases.Move{Action: "dispatch", UnitKind: cases.UnitCommunity}).
			then(handle, sec, cases.Move{Action: "handle", Note: "社区已组织清理（演示）"})
	}
	day := 24 * time.Hour
	rated := handled(report(0, 24, "0802", "楼道里有电动车充电，存在火灾隐患（演示）"), day).
		then(3*time.Hour, sec, cases.Move{Action: "verify", Pass: ptrTrue()}).
		then(time.Hour, sec, cases.Move{Action: "close"}).
		rated(day, member, cases.RateInput{Resolved: true, Satisfaction: "very_satisfied"})
	toRate := handled(report(1, 6, "0203", "单元门口堆放了废旧家具（演示）"), 2*day).
		then(3*time.Hour, sec, cases.Move{Action: "verify", Pass: ptrTrue()}).
		then(time.Hour, sec, cases.Move{Action: "close"})
	open := handled(report(0, 2, "0104", "宣传栏上贴满了小广告（演示）"), 0)
	open.steps = open.steps[:len(open.steps)-1] // dispatched, being handled
	fresh := report(1, 0, "0503", "小区绿地里有不少垃圾（演示）")
	return []*demoStory{rated.upTo(99, now), toRate.upTo(99, now), open.upTo(99, now), fresh.upTo(99, now)}, nil
}

// demoPropertyStories are cases about the estates of 演示物业服务有限公司
// (民巷社区 and 章江路社区), taken by 12345 and dispatched by the
// community to the company: closed and rated, handled and waiting for
// the community's check, being handled (one past its deadline), and
// waiting for the company to acknowledge them.
func demoPropertyStories(sys context.Context, a *App, now time.Time) ([]*demoStory, error) {
	prop, err := demoAccountCtx(sys, a, "demo-property")
	if err != nil {
		return nil, err
	}
	if done, err := demoHas(prop, a, cases.Filter{}); err != nil || done {
		return nil, err
	}
	who := map[string]context.Context{}
	for _, name := range []string{"demo-hotline", "demo-secretary", "demo-worker", "demo-district"} {
		if who[name], err = demoAccountCtx(sys, a, name); err != nil {
			return nil, err
		}
	}
	pa, err := demoBuildingPoints(sys, a, 2, demoCommunityA+"003", demoCommunityA+"004")
	if err != nil {
		return nil, err
	}
	pb, err := demoBuildingPoints(sys, a, 2, demoCommunityB+"001", demoCommunityB+"002")
	if err != nil || len(pa) == 0 || len(pb) == 0 {
		return nil, err
	}
	day := 24 * time.Hour
	plans := []struct {
		days          int // back, at an office hour; 0: five hours ago
		category, txt string
		steps         int // taken after the report: register, dispatch, acknowledge, handle, verify, close, rating
		sat           string
	}{
		{20, "0603", "电梯停在两层之间，物业半天没人来（演示）", 7, "satisfied"},
		{15, "0602", "物业收了停车费却不管乱停车（演示）", 7, "basic"},
		{11, "0604", "顶楼房屋漏水，要求物业维修（演示）", 6, ""},
		{6, "0801", "小区消防通道被电动车堵住（演示）", 4, ""},
		{4, "0101", "小区垃圾房外垃圾堆积（演示）", 3, ""},
		{3, "0802", "地下车库有人私拉电线给电动车充电（演示）", 2, ""},
		{0, "0603", "2 单元电梯按钮失灵（演示）", 2, ""},
	}
	r := rand.New(rand.NewPCG(demoSeed, 13))
	var out []*demoStory
	for i, p := range plans {
		b, desk := pa[i%len(pa)], who["demo-secretary"]
		if i%2 == 1 {
			b, desk = pb[i%len(pb)], who["demo-worker"]
		}
		at := now.Add(-5 * time.Hour).Truncate(time.Minute)
		if p.days > 0 {
			at = atOfficeHour(r, now, p.days)
		}
		st := newDemoStory(at, who["demo-hotline"], cases.ReportInput{Category: p.category, Description: p.txt,
			Lon: b.Lon, Lat: b.Lat, ContactPhone: "13900000001"}).
			then(40*time.Minute, desk, cases.Move{Action: "register"}).
			then(20*time.Minute, desk, cases.Move{Action: "dispatch", UnitKind: cases.UnitProperty, UnitName: demoProperty}).
			then(50*time.Minute, prop, cases.Move{Action: "acknowledge"}).
			then(26*time.Hour, prop, cases.Move{Action: "handle", Note: "物业已派人维修处理（演示）"}).
			then(4*time.Hour, desk, cases.Move{Action: "verify", Pass: ptrTrue()}).
			then(time.Hour, desk, cases.Move{Action: "close"})
		if p.sat != "" {
			st.rated(day, who["demo-district"], cases.RateInput{Resolved: p.sat != "unsatisfied", Satisfaction: p.sat})
		}
		out = append(out, st.upTo(1+p.steps, now))
	}
	return out, nil
}

// demoMoods are how an area's reporters rate the handling, best area
// first: the weights of very satisfied, satisfied, basic and unsatisfied.
var demoMoods = [][4]int{{50, 35, 10, 5}, {25, 40, 25, 10}, {10, 30, 30, 30}}

// demoCrew are who take an area's cases: the demo accounts where they
// work (in 滕王阁街道), stand-ins elsewhere.
type demoCrew struct {
	sys, hotline, dept, callback context.Context
	accounts                     map[string]context.Context // a community's desk or a grid's worker, by code
	a                            *App
	ar                           demoArea
}

// desk is who registers, dispatches, checks and closes the community's
// cases.
func (cr *demoCrew) desk(community string) context.Context {
	if c, ok := cr.accounts[community]; ok {
		return c
	}
	c := demoStandIn(cr.sys, cr.a, authz.RoleCommunitySecretary, authz.Scope{Region: community}, trimCommittee(mustName(cr.sys, cr.a, community))+demoMark)
	cr.accounts[community] = c
	return c
}

// patrol is the grid's worker, who reports what they find on patrol.
func (cr *demoCrew) patrol(grid string) context.Context {
	if c, ok := cr.accounts[grid]; ok {
		return c
	}
	community := grid[:12]
	c := demoStandIn(cr.sys, cr.a, authz.RoleGridWorker, authz.Scope{Region: community, GridsOnly: true, Grids: []string{grid}},
		trimCommittee(mustName(cr.sys, cr.a, community))+"网格员"+demoMark)
	cr.accounts[grid] = c
	return c
}

// property is the company of the community's compounds, and who answers
// for it.
func (cr *demoCrew) property(community string) (string, context.Context) {
	name := cr.ar.property
	if community == demoCommunityA || community == demoCommunityB {
		name = demoProperty
	}
	if c, ok := cr.accounts[name]; ok {
		return name, c
	}
	c := demoStandIn(cr.sys, cr.a, authz.RolePropertyCompany, authz.Scope{Region: cr.ar.code, PropertyOnly: true, Property: name}, name)
	cr.accounts[name] = c
	return name, c
}

// demoAreaStories are the area's cases over the last four months at its
// buildings: reported to 12345 or found on patrol, registered and
// dispatched by the community to the district's 城市管理局, a property
// company or itself, handled, checked, closed and mostly rated on a
// call-back; the recent ones at earlier stages, and the area's backlog of
// older ones left open past their deadlines.
func demoAreaStories(sys context.Context, a *App, now time.Time, ar demoArea) ([]*demoStory, error) {
	if done, err := demoHas(sys, a, cases.Filter{Region: ar.code}); err != nil || done || ar.cases == 0 {
		return nil, err
	}
	buildings, err := demoBuildingPoints(sys, a, 1000, ar.code)
	if err != nil || len(buildings) == 0 {
		return nil, err
	}
	dep, err := a.Territory.EnsureDepartment(sys, ar.department(), ar.districtCode())
	if err != nil {
		return nil, err
	}
	cr := &demoCrew{sys: sys, a: a, ar: ar, accounts: map[string]context.Context{}}
	if cr.hotline, err = demoAccountCtx(sys, a, "demo-hotline"); err != nil {
		return nil, err
	}
	cr.dept = demoStandIn(sys, a, authz.RoleDepartmentStaff, authz.Scope{Region: ar.districtCode(), Department: dep.ID}, dep.Name)
	cr.callback = demoStandIn(sys, a, authz.RoleDistrictStaff, authz.Scope{Region: ar.districtCode()}, mustName(sys, a, ar.districtCode())+"12345 回访"+demoMark)
	if ar.salt == 0 {
		// 滕王阁街道's cases are its demo accounts' own.
		for name, code := range map[string]string{"demo-secretary": demoCommunityA, "demo-worker": demoCommunityB, "demo-property": demoProperty,
			"demo-dept": "dept", "demo-district": "callback"} {
			c, err := demoAccountCtx(sys, a, name)
			if err != nil {
				return nil, err
			}
			cr.accounts[code] = c
		}
		cr.dept, cr.callback = cr.accounts["dept"], cr.accounts["callback"]
		grid, err := demoAccountCtx(sys, a, "demo-grid")
		if err != nil {
			return nil, err
		}
		for _, g := range authz.ActorFrom(grid).Scope.Grids {
			cr.accounts[g] = grid
		}
	}
	r := ar.rng(11)
	mood := demoMoods[ar.mood]
	slow := ar.backlog >= 25
	var out []*demoStory
	for i := 0; i < ar.cases; i++ {
		b := buildings[r.IntN(len(buildings))]
		community := b.RegionCode[:12]
		desk := cr.desk(community)
		t := demoSpreadTexts[r.IntN(len(demoSpreadTexts))]
		back := 1 + r.IntN(120)
		if i == 0 {
			back = 0 // one today
		}
		at := atOfficeHour(r, now, back)
		if at.After(now) {
			at = now.Add(-time.Duration(1+r.IntN(60)) * time.Minute)
		}
		reporter := cr.hotline
		in := cases.ReportInput{Category: t.category, Description: t.text, Lon: b.Lon, Lat: b.Lat, ContactPhone: fmt.Sprintf("1390000%04d", r.IntN(10000))}
		if r.IntN(4) == 0 {
			reporter, in.ContactPhone = cr.patrol(b.RegionCode), "" // found on patrol
		}
		st := newDemoStory(at, reporter, in)
		if r.IntN(20) == 0 {
			st.then(time.Duration(20+r.IntN(60))*time.Minute, desk, cases.Move{Action: "reject", Reason: "not_actionable", Note: "经核实不属于受理范围（演示）"})
			out = append(out, st.upTo(99, now))
			continue
		}
		handler, dispatch := desk, cases.Move{Action: "dispatch", UnitKind: cases.UnitCommunity}
		switch t.category[:2] {
		case "06":
			name, who := cr.property(community)
			handler, dispatch = who, cases.Move{Action: "dispatch", UnitKind: cases.UnitProperty, UnitName: name}
		case "01", "02", "03", "04", "05", "09":
			handler, dispatch = cr.dept, cases.Move{Action: "dispatch", UnitKind: cases.UnitDepartment, DeptID: dep.ID}
		}
		handle := time.Duration(2+r.IntN(20)) * time.Hour
		if slow {
			handle = time.Duration(24+r.IntN(120)) * time.Hour
		}
		st.then(time.Duration(20+r.IntN(90))*time.Minute, desk, cases.Move{Action: "register"}).
			then(time.Duration(10+r.IntN(60))*time.Minute, desk, dispatch)
		if handler != desk {
			st.then(time.Duration(15+r.IntN(slowMinutes(slow)))*time.Minute, handler, cases.Move{Action: "acknowledge"})
		}
		stall := len(st.steps)
		st.then(handle, handler, cases.Move{Action: "handle", Note: "已到现场处置完毕（演示）"}).
			then(time.Duration(2+r.IntN(20))*time.Hour, desk, cases.Move{Action: "verify", Pass: ptrTrue()}).
			then(time.Duration(1+r.IntN(4))*time.Hour, desk, cases.Move{Action: "close"})
		if r.IntN(5) > 0 {
			sat := demoSatisfaction(r, mood)
			st.rated(time.Duration(20+r.IntN(48))*time.Hour, cr.callback, cases.RateInput{Resolved: sat != "unsatisfied" || r.IntN(2) == 0, Satisfaction: sat})
		}
		n := len(st.steps)
		if back > 10 && r.IntN(100) < ar.backlog {
			n = stall // left open past its deadline
		}
		out = append(out, st.upTo(n, now))
	}
	return out, nil
}

// slowMinutes is how many minutes a unit may take to acknowledge a case,
// at most: slow areas answer late.
func slowMinutes(slow bool) int {
	if slow {
		return 300
	}
	return 90
}

// demoSatisfaction draws a rating with the area's weights.
func demoSatisfaction(r *rand.Rand, weights [4]int) string {
	x := r.IntN(100)
	for i, w := range weights {
		if x < w {
			return cases.Satisfactions[i]
		}
		x -= w
	}
	return cases.Satisfactions[len(cases.Satisfactions)-1]
}

func ptrTrue() *bool { t := true; return &t }
