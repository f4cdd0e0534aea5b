package admission_test

import (
	"bytes"
	"math"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// publishFrom saves the shipped starter list as a new version of the
// city's list in force from the day from, publishes it and returns it.
func publishFrom(t *testing.T, e *apptest.Env, from string) admission.List {
	t.Helper()
	city := e.Login("city")
	var in admission.ListInput
	city.Get("/api/v1/admission/starter").JSON(t, &in)
	in.OwnerCode, in.EffectiveFrom = apptest.City, from
	r := city.API("POST", "/api/v1/admission/lists", in)
	if r.StatusCode != 201 {
		t.Fatalf("draft from %s: %d %s", from, r.StatusCode, r.Body)
	}
	var l admission.List
	r.JSON(t, &l)
	if r = city.API("POST", "/api/v1/admission/lists/"+itoa(l.ID)+"/publish", map[string]any{}); r.StatusCode != 200 {
		t.Fatalf("publish from %s: %d %s", from, r.StatusCode, r.Body)
	}
	r.JSON(t, &l)
	return l
}

// askCommunityA has the department hand community A n listed tasks
// today, under l (the version in force).
func askCommunityA(t *testing.T, e *apptest.Env, l admission.List, n int) {
	t.Helper()
	dept := e.Login("dept")
	today := e.Clock.Now().In(workday.CST)
	for i := 0; i < n; i++ {
		r := dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "垃圾分类入户宣传" + strconv.Itoa(i), "item_id": itemID(t, l, "XZ-21"),
			"target": apptest.CommunityA, "starts_on": today.Format(time.DateOnly), "due_on": today.AddDate(0, 0, 10).Format(time.DateOnly)})
		if r.StatusCode != 201 {
			t.Fatalf("a listed task on %s: %d %s", today.Format(time.DateOnly), r.StatusCode, r.Body)
		}
	}
}

// moveTo sets the clock forward to day (YYYY-MM-DD), 10:00 in China.
func moveTo(t *testing.T, e *apptest.Env, day string) {
	t.Helper()
	to, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", workday.CST)
	if err != nil || to.Before(e.Clock.Now()) {
		t.Fatalf("move the clock to %s: %v", day, err)
	}
	e.Clock.Add(to.Sub(e.Clock.Now()))
}

func burdenOf(t *testing.T, c *apptest.Client, query string) admission.Report {
	t.Helper()
	var rep admission.Report
	r := c.Get("/api/v1/admission/burden?" + query)
	if r.StatusCode != 200 {
		t.Fatalf("burden %s: %d %s", query, r.StatusCode, r.Body)
	}
	r.JSON(t, &rep)
	return rep
}

// TestBurdenVersionEffect: a version is compared only with the months
// under the version before it, and only with whole months under itself;
// the month a version took effect in part way counts in neither; months
// of different length are compared by their averages, of the same length
// by their totals; and the page says when there is nothing to compare
// instead of showing zeros.
func TestBurdenVersionEffect(t *testing.T) {
	e := apptest.New(t)
	v1 := publishFrom(t, e, "2026-11-26")
	askCommunityA(t, e, v1, 1) // November: 1
	v2 := publishFrom(t, e, "2026-12-01")

	type want struct {
		version, previous, before, since int
		notCompared                      string
		beforeTasks, sinceTasks          int64
		avgBefore, avgSince              float64
		page                             []string // on the page, in order
		notOnPage                        []string
	}
	check := func(name, month string, w want) {
		t.Helper()
		sec := e.Login("secretary")
		v := burdenOf(t, sec, "month="+month).Version
		if v == nil {
			t.Fatalf("%s: no version compared", name)
		}
		if v.Version != w.version || v.Previous != w.previous || v.MonthsBefore != w.before || v.MonthsSince != w.since || v.NotCompared != w.notCompared ||
			v.BeforeTotal["tasks"] != w.beforeTasks || v.SinceTotal["tasks"] != w.sinceTasks ||
			math.Abs(v.Before["tasks"]-w.avgBefore) > 1e-9 || math.Abs(v.Since["tasks"]-w.avgSince) > 1e-9 {
			t.Errorf("%s: %+v", name, *v)
		}
		page := sec.Get("/admission/burden?month=" + month)
		section := page.Body[strings.Index(page.Body, `id="version-effect"`):]
		section = section[:strings.Index(section, "</section>")]
		at := 0
		for _, s := range w.page {
			i := strings.Index(section[at:], s)
			if i < 0 {
				t.Errorf("%s: the comparison lacks %q (in order): %s", name, s, section)
				break
			}
			at += i + len(s)
		}
		for _, s := range w.notOnPage {
			if strings.Contains(section, s) {
				t.Errorf("%s: the comparison shows %q", name, s)
			}
		}
	}

	check("OnlyVersion", "2026-11", want{version: 1, notCompared: "no_previous",
		page: []string{"第 1 版（2026-11-26 起）前后对比", `id="effect-none"`, "第 1 版之前没有清单版本，无从对比。"}, notOnPage: []string{`id="effect-table"`}})

	// Published minutes ago, in force from tomorrow's month: the version
	// in force now is still compared.
	moveTo(t, e, "2026-12-02")
	askCommunityA(t, e, v2, 2) // December: 2
	check("NoWholeMonthYet", "2026-12", want{version: 2, previous: 1, before: 1, notCompared: "no_whole_month", beforeTasks: 1, avgBefore: 1,
		page:      []string{"第 2 版（2026-12-01 起）前后对比", "第 2 版 2026-12-01 起施行，到 2026-12 为止还没有一个完整的月份在其之下，暂不对比。"},
		notOnPage: []string{`id="effect-table"`, "0.0"}})

	moveTo(t, e, "2027-01-05")
	askCommunityA(t, e, v2, 2) // January: 2
	moveTo(t, e, "2027-02-03")
	askCommunityA(t, e, v2, 3) // February: 3, the month version 3 takes effect in
	v3 := publishFrom(t, e, "2027-02-15")
	// One month under version 1 (November), two whole under version 2:
	// monthly averages.
	check("Averages", "2027-02", want{version: 2, previous: 1, before: 1, since: 2, beforeTasks: 1, sinceTasks: 4, avgBefore: 1, avgSince: 2,
		page: []string{"比较每月平均数。<", "第 1 版期间：2026-11（1 个月）", "第 2 版施行后：2026-12 至 2027-01（2 个月）", "收到事项", ">1.0<", ">2.0<"}})

	// Version 3 from 15 February: February is in neither period.
	moveTo(t, e, "2027-03-01")
	askCommunityA(t, e, v3, 1) // March: 1
	moveTo(t, e, "2027-04-02")
	check("PartMonthInNeither", "2027-04", want{version: 3, previous: 2, before: 2, since: 1, beforeTasks: 4, sinceTasks: 1, avgBefore: 2, avgSince: 1,
		page: []string{"2027-02 月中换版，两版各施行了一部分，这个月不计入任何一段。", "第 2 版期间：2026-12 至 2027-01（2 个月）", "第 3 版施行后：2027-03（1 个月）", ">2.0<", ">1.0<"}})
	askCommunityA(t, e, v3, 3) // April: 3
	moveTo(t, e, "2027-05-06")
	check("Totals", "2027-05", want{version: 3, previous: 2, before: 2, since: 2, beforeTasks: 4, sinceTasks: 4, avgBefore: 2, avgSince: 2,
		page: []string{"比较各自的合计。", "第 3 版施行后：2027-03 至 2027-04（2 个月）", ">4<", ">4<"}, notOnPage: []string{"每月平均数"}})
	// An earlier month is compared up to itself.
	check("EarlierMonth", "2026-12", want{version: 2, previous: 1, before: 1, since: 1, beforeTasks: 1, sinceTasks: 2, avgBefore: 1, avgSince: 2,
		page: []string{"第 2 版施行后：2026-12（1 个月）", ">1<", ">2<"}})

	// Two versions in force from the same month: no month under the
	// earlier one alone.
	e2 := apptest.New(t)
	publishFrom(t, e2, "2026-11-26")
	publishFrom(t, e2, "2026-11-28")
	moveTo(t, e2, "2026-11-28")
	rep := burdenOf(t, e2.Login("secretary"), "month=2026-11")
	if v := rep.Version; v == nil || v.Version != 2 || v.Previous != 1 || v.NotCompared != "no_month_before" || v.MonthsBefore != 0 {
		t.Errorf("two versions in one month: %+v", rep.Version)
	}
	if p := e2.Login("secretary").Get("/admission/burden?month=2026-11"); !strings.Contains(p.Body, "第 1 版与第 2 版在同一个月施行") {
		t.Errorf("two versions in one month: the page does not say so")
	}
}

// TestBurdenExport: the workbook holds numbers as numbers (hours with one
// decimal), names its sheet, division, month and, for a department, that
// the figures are its own; heads the departments' rows; is named for the
// division and month; and its totals are the API's.
func TestBurdenExport(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	askCommunityA(t, e, l, 2)
	dept := e.Login("dept")
	// Refused at once: an assessment no item allows.
	dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "文明社区评比", "kind": "assessment", "target": apptest.DistrictA,
		"starts_on": "2027-02-01", "due_on": "2027-02-28"})
	district := e.Login("district")

	open := func(c *apptest.Client, path string) (*excelize.File, string) {
		t.Helper()
		r := c.Get(path)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
		if err != nil {
			t.Fatalf("%s: Content-Disposition %q: %v", path, r.Header.Get("Content-Disposition"), err)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f, params["filename"]
	}
	f, name := open(district, "/admission/burden.xlsx?month=2026-11")
	if name != "甲区-2026-11-社区负担.xlsx" {
		t.Errorf("the download's name: %q", name)
	}
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "负担统计" {
		t.Fatalf("the sheets: %v", sheets)
	}
	const sheet = "负担统计"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if title := rows[0][0]; !strings.Contains(title, "甲区 · 2026-11") || strings.Contains(title, apptest.DistrictA) {
		t.Errorf("the title row: %q", title)
	}
	find := func(first string) int {
		for i, r := range rows {
			if len(r) > 0 && r[0] == first {
				return i
			}
		}
		t.Fatalf("no row %q in %v", first, rows)
		return -1
	}
	head := rows[find("单位")]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	rep := burdenOf(t, district, "month=2026-11")
	total := find("合计 甲区")
	cell := func(row int, h string) string {
		c, _ := excelize.CoordinatesToCellName(col[h]+1, row+1)
		return c
	}
	number := func(c string) {
		t.Helper()
		typ, err := f.GetCellType(sheet, c)
		if err != nil || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s is not a number cell: %v %v", c, typ, err)
		}
	}
	for _, m := range admission.Metrics {
		h := map[string]string{"tasks": "收到事项", "offlist": "清单外申请", "refused": "即时拒绝", "declined": "社区退回", "certificate": "出具证明"}[m]
		if h == "" {
			continue
		}
		c := cell(total, h)
		number(c)
		if v, _ := f.GetCellValue(sheet, c, excelize.Options{RawCellValue: true}); v != strconv.FormatInt(rep.Total.N[m], 10) {
			t.Errorf("the total's %s: %s, the API's %d", m, v, rep.Total.N[m])
		}
	}
	if rep.Total.N["tasks"] != 2 || rep.Total.N["refused"] != 1 {
		t.Errorf("the API's totals: %v", rep.Total.N)
	}
	hours := cell(total, "工时")
	number(hours)
	if v, _ := f.GetCellValue(sheet, hours); v != strconv.FormatFloat(rep.Total.Hours, 'f', 1, 64) {
		t.Errorf("the total's hours show %q, the API's %v", v, rep.Total.Hours)
	}
	if st, _ := f.GetCellStyle(sheet, hours); st == 0 {
		t.Error("hours have no number format")
	} else if s, err := f.GetStyle(st); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "0.0" {
		t.Errorf("hours' number format: %+v %v", s, err)
	}
	// Excel adds the figures up: the children's rows sum to the total.
	sub := find("甲一街道")
	if err := f.SetCellFormula(sheet, "A200", "SUM("+cell(sub, "收到事项")+":"+cell(total-1, "收到事项")+")"); err != nil {
		t.Fatal(err)
	}
	if s, err := f.CalcCellValue(sheet, "A200"); err != nil || s != strconv.FormatInt(rep.Total.N["tasks"], 10) {
		t.Errorf("SUM of the children's tasks: %q %v", s, err)
	}
	// The departments' section has its own header row.
	dh := find("部门")
	if dh < total || len(rows[dh]) < 2 || rows[dh][1] != "收到事项" || rows[dh+1][0] != "甲区城市管理局" {
		t.Errorf("the departments' section: %v", rows[dh-2:])
	}
	number("B" + strconv.Itoa(dh+2))

	// The department's own figures say so.
	f, name = open(dept, "/admission/burden.xlsx?month=2026-11")
	if name != "甲区-2026-11-甲区城市管理局-社区负担.xlsx" {
		t.Errorf("the department's download: %q", name)
	}
	if title, _ := f.GetCellValue(sheet, "A1"); !strings.Contains(title, "甲区 · 2026-11 · 甲区城市管理局的交办") {
		t.Errorf("the department's title row: %q", title)
	}
	// In English.
	district.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	f, name = open(district, "/admission/burden.xlsx?month=2026-11")
	if sheets := f.GetSheetList(); name != "甲区-2026-11-community-burden.xlsx" || len(sheets) != 1 || sheets[0] != "Burden" {
		t.Errorf("the English export: %q %v", name, sheets)
	}
}

// TestBurdenPageWhose: a department's page says the figures are its
// own; one word names the refusals throughout; a division drilled into
// links back up, as far as the actor may read; children with nothing in
// the month are named on one line, not given rows of zeros.
func TestBurdenPageWhose(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	askCommunityA(t, e, l, 1)
	// A second subdistrict in district A, with nothing this month.
	if rep, err := e.App.Territory.ImportCSV(e.System(), strings.NewReader("code,name,level,parent_code,kind\n440303002,甲二街道,subdistrict,440303,\n"), territory.ImportOptions{}); err != nil || !rep.Committed {
		t.Fatalf("a second subdistrict: %v %+v", err, rep.Errors)
	}

	dept := e.Login("dept").Get("/admission/burden?month=2026-11")
	if !strings.Contains(dept.Body, `id="burden-heading">甲区 · 2026-11 · 甲区城市管理局的交办<`) || !strings.Contains(dept.Body, `id="burden-own"`) {
		t.Errorf("the department's page does not say the figures are its own")
	}
	district := e.Login("district")
	page := district.Get("/admission/burden?month=2026-11")
	if !strings.Contains(page.Body, `id="burden-heading">甲区 · 2026-11<`) || strings.Contains(page.Body, `id="burden-own"`) {
		t.Errorf("the district's heading")
	}
	if strings.Contains(page.Body, "当即拒绝") || !strings.Contains(page.Body, "即时拒绝") {
		t.Error("the page names the refusals with two words")
	}
	// District A's staff cannot read the city: no link up.
	if strings.Contains(page.Body, `id="burden-up"`) {
		t.Error("the district's page links up to the city")
	}
	// Active children have rows; quiet ones one line.
	rowsOf := regexp.MustCompile(`<tr data-code="(\d+)"`)
	if got := rowsOf.FindAllStringSubmatch(page.Body, -1); len(got) != 1 || got[0][1] != apptest.SubA {
		t.Errorf("the children's rows: %v", got)
	}
	quiet := regexp.MustCompile(`(?s)<p class="card" id="burden-quiet">(.*?)</p>`).FindStringSubmatch(page.Body)
	if quiet == nil || !strings.Contains(quiet[1], "另有 1 个单位本月没有任何数据") || !strings.Contains(quiet[1], `<a href="/admission/burden?region=440303002&amp;month=2026-11">甲二街道</a>`) {
		t.Errorf("the quiet children: %v", quiet)
	}

	// Drilled down to the subdistrict: a link back up to the district.
	sub := district.Get("/admission/burden?region=" + apptest.SubA + "&month=2026-11")
	if !strings.Contains(sub.Body, `<p id="burden-up"><a href="/admission/burden?region=`+apptest.DistrictA+`&amp;month=2026-11">↑ 返回上一级：甲区</a>`) {
		t.Errorf("the subdistrict's page has no link up to the district")
	}
	var rep admission.Report
	district.Get("/api/v1/admission/burden?region="+apptest.SubA).JSON(t, &rep)
	if rep.Parent != apptest.DistrictA || rep.ParentName != "甲区" {
		t.Errorf("the API's parent: %q %q", rep.Parent, rep.ParentName)
	}
	// The subdistrict's own staff reads no higher.
	if s := e.Login("subdistrict").Get("/admission/burden?month=2026-11"); strings.Contains(s.Body, `id="burden-up"`) {
		t.Error("the subdistrict's staff is offered the district")
	}
	// The department reads its own figures in the city too.
	if d := e.Login("dept").Get("/admission/burden?month=2026-11"); !strings.Contains(d.Body, `↑ 返回上一级：测试市`) {
		t.Error("the department is not offered its figures in the city")
	}

	// Nothing at all this month in any child: one line, no table.
	empty := district.Get("/admission/burden?month=2026-10")
	if strings.Contains(empty.Body, `id="burden-children"`) || !strings.Contains(empty.Body, "这 2 个单位本月都没有任何数据") {
		t.Errorf("a month without figures: the children are not collapsed")
	}

	// The chart's legend wraps and the version's line says what it is.
	chart := regexp.MustCompile(`(?s)<script type="application/json" id="burden-trend">(.*?)</script>`).FindStringSubmatch(page.Body)
	if chart == nil || !strings.Contains(chart[1], `"type":"plain"`) || !strings.Contains(chart[1], `"formatter":"第 1 版施行"`) || !strings.Contains(chart[1], `"media"`) {
		t.Errorf("the chart: %v", chart)
	}
}
