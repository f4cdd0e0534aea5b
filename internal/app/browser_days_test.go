package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grassroots/internal/cases"
)

// TestBrowserDays walks each role's working day in a real browser, from
// the workbench to the finished item, clicking what a person would click:
// a resident reports a problem and rates the result, a grid worker visits
// a household due and self-handles a problem and verifies a case, the
// community secretary accepts a report, department staff report to a
// whistle, and the city administrator moves an account, changes a time
// limit and reads both in the audit log. Every page is checked for
// console errors, for being wider than the screen, for labels that show
// a message key and, once more in English, for labels left in Chinese.
// The work of other people is done through the API.
func TestBrowserDays(t *testing.T) {
	e := newEnv(t)
	t.Run("resident", func(t *testing.T) { residentDay(t, e) })
	t.Run("grid_worker", func(t *testing.T) { gridWorkerDay(t, e) })
	t.Run("secretary", func(t *testing.T) { secretaryDay(t, e) })
	t.Run("department", func(t *testing.T) { departmentDay(t, e) })
	t.Run("city_admin", func(t *testing.T) { cityAdminDay(t, e) })
}

// day is one person's browser through their working day.
type day struct {
	t        *testing.T
	e        *env
	role     string // in screenshot names
	ctx      context.Context
	must     func(error)
	problems func() []string
	width    int64
	lang     string
	seen     []seenPage
}

// seenPage is a page the day passed through, to look at again in English.
type seenPage struct{ step, path string }

// startDay signs user in on a screen width px wide and waits for their
// workbench.
func startDay(t *testing.T, e *env, user, role string, width int64) *day {
	t.Helper()
	ctx, must, problems := signedIn(t, e, user, width, 900)
	d := &day{t: t, e: e, role: role, ctx: ctx, must: must, problems: problems, width: width, lang: "zh-CN"}
	d.wait(`location.pathname === "/" && document.readyState === "complete"`)
	d.workbench()
	return d
}

func (d *day) wait(cond string) {
	d.t.Helper()
	d.must(waitFor(d.ctx, cond))
}

func evalDay[T any](d *day, expr string) T {
	d.t.Helper()
	v, err := chromedp.Run(d.ctx, chromedp.Evaluate[T](expr))
	d.must(err)
	return v
}

// click presses what sel finds and stays on the page (htmx, scripts).
func (d *day) click(sel string) {
	d.t.Helper()
	d.must(chromedp.Do(d.ctx, chromedp.Click(chromedp.CSS(sel))))
}

// follow presses what sel finds and waits for the next page to load.
func (d *day) follow(sel string) {
	d.t.Helper()
	evalDay[bool](d, `(window.dayOld = true)`)
	d.click(sel)
	d.wait(`!window.dayOld && document.readyState === "complete"`)
}

// workbench waits until every panel of the workbench has loaded.
func (d *day) workbench() {
	d.t.Helper()
	d.wait(`location.pathname === "/" && document.querySelectorAll(".workbench .panel[aria-busy]").length === 0 && document.querySelectorAll(".workbench .panel[data-widget]").length > 0`)
}

// home goes back to the workbench by the brand link of the page's header.
func (d *day) home() {
	d.t.Helper()
	d.follow("header.top a.brand")
	d.workbench()
}

// count is the count of the to-do of panel whose link holds href, -1
// when the panel has no such to-do.
func (d *day) count(panel, href string) int {
	d.t.Helper()
	return evalDay[int](d, `(function () {
	  var a = Array.from(document.querySelectorAll("#w-`+panel+` ul.todo a")).find(function (a) { return a.getAttribute("href").indexOf(`+strconv.Quote(href)+`) >= 0; });
	  return a ? Number(a.querySelector(".count").dataset.count) : -1;
	})()`)
}

// todo follows the to-do of panel whose link holds href.
func (d *day) todo(panel, href string) {
	d.t.Helper()
	d.follow(`#w-` + panel + ` ul.todo a[href*="` + href + `"]`)
}

// menu opens a page from the navigation, as the screen shows it.
func (d *day) menu(path string) {
	d.t.Helper()
	link := `a[href="` + path + `"]`
	if evalDay[bool](d, `getComputedStyle(document.querySelector("header.top nav.wide")).display !== "none"`) {
		if evalDay[bool](d, `!!document.querySelector(`+strconv.Quote("header.top nav.wide details.menu-group "+link)+`)`) {
			evalDay[bool](d, `(function () { var g = document.querySelector(`+strconv.Quote("header.top nav.wide "+link)+`).closest("details.menu-group"); g.querySelector("summary").click(); return true; })()`)
		}
		d.follow("header.top nav.wide " + link)
		return
	}
	d.click("details.nav summary")
	d.follow("details.nav nav " + link)
}

// dayKey finds a message key shown as a word of its own ("wb.overdue"),
// not an abbreviation ("e.g.").
var dayKey = regexp.MustCompile(`(^|\s)[a-z][a-z0-9_]*(\.[a-z0-9_]+)+($|\s)`)

var dayLatin = regexp.MustCompile(`[A-Za-z]`)

// dayLabels are the texts the page itself writes: headings, labels,
// buttons, table heads, tags, hints (their own text, not the data inside
// them), and the placeholders and labels of fields.
const dayLabels = `(function () {
  var out = [];
  var own = function (el) { var s = ""; el.childNodes.forEach(function (n) { if (n.nodeType === 3) { s += n.textContent; } }); return s.trim(); };
  document.querySelectorAll("h2, h3, legend, label, button, th, summary, dt, .tag, .badge, a.button, .hint, p.empty, .list-total, header.top nav a, header.top summary, .todo .label, .flash, .field-error, footer").forEach(function (el) {
    // The raw audit record, the language switch (named in its language)
    // and the departments to call are not labels.
    if (el.closest(".audit-raw") || el.id === "lang-switch" || el.closest("#whistle-form fieldset label.check")) { return; }
    var s = own(el);
    if (s) { out.push(s); }
  });
  document.querySelectorAll("main [placeholder], main [aria-label], main td[data-label]").forEach(function (el) {
    ["placeholder", "aria-label", "data-label"].forEach(function (a) { var v = el.getAttribute(a); if (v) { out.push(v); } });
  });
  return out;
})()`

// look checks the page shown: no console error so far, nothing wider than
// the screen or cut off (sels must be seen whole), no label showing a
// message key or, in English, Chinese; and takes its screenshot.
func (d *day) look(step string, sels ...string) {
	d.t.Helper()
	d.wait(`document.readyState === "complete" && document.querySelectorAll("[aria-busy=true]").length === 0`)
	path := evalDay[string](d, `location.pathname + location.search`)
	d.checkPage(step, path, sels...)
	d.shot(step)
	d.seen = append(d.seen, seenPage{step, path})
}

func (d *day) checkPage(step, path string, sels ...string) {
	d.t.Helper()
	if sels == nil {
		sels = []string{}
	}
	got, err := layoutProblems(d.ctx, sels...)
	d.must(err)
	for _, g := range got {
		d.t.Errorf("%s (%s) at %d px in %s: %s", step, path, d.width, d.lang, g)
	}
	for _, l := range evalDay[[]string](d, dayLabels) {
		if dayKey.MatchString(l) {
			d.t.Errorf("%s (%s) in %s: a label shows a message key: %q", step, path, d.lang, l)
		}
		// A label in Chinese alone; an English sentence may name a
		// place or a person.
		if d.lang == "en" && cjk.MatchString(l) && !dayLatin.MatchString(l) {
			d.t.Errorf("%s (%s) in English: a label is not translated: %q", step, path, l)
		}
	}
	noConsoleErrors(d.t, d.problems)
}

func (d *day) shot(step string) {
	name := "day-" + d.role + "-" + step
	if d.lang == "en" {
		name += "-en"
	}
	shot(d.t, d.ctx, name+"-"+strconv.FormatInt(d.width, 10))
}

// both looks at the page at the day's width and at the other one (375 or
// 1,440 px), then goes back.
func (d *day) both(step string, sels ...string) {
	d.t.Helper()
	d.look(step, sels...)
	own := d.width
	other := int64(1440)
	if own == 1440 {
		other = 375
	}
	d.resize(other)
	d.checkPage(step, d.seen[len(d.seen)-1].path, sels...)
	d.shot(step)
	d.resize(own)
}

func (d *day) resize(w int64) {
	d.t.Helper()
	d.must(chromedp.Do(d.ctx, chromedp.EmulateViewport(w, 900)))
	d.width = w
	d.wait(`window.innerWidth === ` + strconv.FormatInt(w, 10))
}

// inEnglish looks at every page of the day again in English, at 375 px,
// then switches back to Chinese.
func (d *day) inEnglish() {
	d.t.Helper()
	own := d.width
	d.resize(375)
	d.must(switchLang(d.ctx, "en"))
	d.lang = "en"
	done := map[string]bool{}
	for _, p := range d.seen {
		if done[p.path] {
			continue
		}
		done[p.path] = true
		d.must(chromedp.Do(d.ctx, chromedp.Navigate(d.e.srv.URL+p.path)))
		d.wait(`document.readyState === "complete" && document.documentElement.lang === "en"`)
		if p.path == "/" {
			d.workbench()
		}
		d.wait(`document.querySelectorAll("[aria-busy=true]").length === 0`)
		d.checkPage(p.step, p.path)
		d.shot(p.step)
	}
	d.must(switchLang(d.ctx, "zh-CN"))
	d.lang = "zh-CN"
	d.resize(own)
}

// englishHere looks at the page shown in English, then switches back:
// for a form that is gone once sent.
func (d *day) englishHere(step string, sels ...string) {
	d.t.Helper()
	d.must(switchLang(d.ctx, "en"))
	d.lang = "en"
	d.look(step, sels...)
	d.seen = d.seen[:len(d.seen)-1]
	d.must(switchLang(d.ctx, "zh-CN"))
	d.lang = "zh-CN"
}

// text is the text the page shows.
func (d *day) text(sel string) string {
	d.t.Helper()
	return evalDay[string](d, `(document.querySelector(`+strconv.Quote(sel)+`) || {innerText: ""}).innerText`)
}

// caseID is the case whose page is shown.
func (d *day) caseID() int64 {
	d.t.Helper()
	p := evalDay[string](d, `location.pathname`)
	id, err := strconv.ParseInt(strings.TrimPrefix(p, "/cases/"), 10, 64)
	if err != nil {
		d.t.Fatalf("not on a case page: %s", p)
	}
	return id
}

// dayStaff is the API client of a demo account doing the others' part.
type dayStaff struct {
	t *testing.T
	c *client
}

func (e *env) dayStaff(t *testing.T, user string) dayStaff { return dayStaff{t: t, c: e.login(user)} }

// report files a case and returns it.
func (s dayStaff) report(in map[string]any) cases.Case {
	s.t.Helper()
	var out cases.Intake
	r := s.c.api("POST", "/api/v1/cases", in)
	if r.StatusCode != http.StatusCreated {
		s.t.Fatalf("%s reports: %d %s", s.c.name, r.StatusCode, r.body)
	}
	r.json(s.t, &out)
	return *out.Case
}

// move makes m on case id at its present version.
func (s dayStaff) move(id int64, m cases.Move) cases.Case {
	s.t.Helper()
	var d cases.CaseDetail
	s.c.get("/api/v1/cases/"+itoa(id)).json(s.t, &d)
	m.Version = d.Case.Version
	r := s.c.api("POST", "/api/v1/cases/"+itoa(id)+"/moves", m)
	if r.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: %s on case %d: %d %s", s.c.name, m.Action, id, r.StatusCode, r.body)
	}
	var c cases.Case
	r.json(s.t, &c)
	return c
}

func (s dayStaff) moves(id int64, ms ...cases.Move) {
	s.t.Helper()
	for _, m := range ms {
		s.move(id, m)
	}
}

func dayBool(b bool) *bool { return &b }

// dayPoint is a building's point in grid.
func (e *env) dayPoint(grid string) (lon, lat float64) {
	e.t.Helper()
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT lon, lat FROM registry_buildings WHERE region_code = ? AND lon IS NOT NULL ORDER BY id LIMIT 1`, grid).Scan(&lon, &lat); err != nil {
		e.t.Fatal(err)
	}
	return lon, lat
}

func (e *env) dayName(user string) string {
	e.t.Helper()
	u, err := e.app.Accounts.UserByName(context.Background(), user)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.DisplayName
}

// residentDay: on a phone, the resident reports a dark street lamp from
// the workbench, finds it among their reports, and rates it once the
// community has closed it; their case page names no member of staff and
// shows no internal note.
func residentDay(t *testing.T, e *env) {
	d := startDay(t, e, "demo-resident", "resident", 375)
	d.both("workbench", "#w-cases-mine .actions a.button")
	mine, toRate := d.count("cases-mine", "view=mine"), d.count("cases-mine", "view=to_rate")
	if mine < 0 || toRate < 0 {
		t.Fatalf("the resident's workbench has no 我反映的问题 (%d) or 待我评价 (%d)", mine, toRate)
	}

	// 我要反映: a category from the grouped list, a description, a tap on
	// the map where the lamp stands.
	d.follow(`#w-cases-mine .actions a.button.primary[href="/cases/new"]`)
	d.wait(`document.querySelector("#pick-map") && document.querySelector("#pick-map").dataset.ready === "1"`)
	d.both("report", "#category", "#category-text", "textarea[name=description]", "#pick-map", "#report-submit")
	groups := evalDay[int](d, `document.querySelectorAll("#category optgroup").length`)
	if groups < 2 {
		t.Errorf("the category list has %d groups", groups)
	}
	evalDay[bool](d, `(function () { var s = document.querySelector("#category"); s.focus(); s.value = "0303"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	if g := evalDay[string](d, `document.querySelector("#category").selectedOptions[0].parentElement.label`); g == "" {
		t.Errorf("路灯 is not in a group of the list")
	}
	const desc = "楼下路灯坏了三天，晚上很黑"
	d.must(chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.CSS("textarea[name=description]"), desc)))
	lon, lat := e.dayPoint(demoGridA)
	evalDay[bool](d, `document.querySelector("#pick-map").leafletMap.setView([`+ftoa(lat)+`, `+ftoa(lon)+`], 17, {animate: false}) !== null`)
	d.must(chromedp.Do(d.ctx, chromedp.ScrollIntoView(chromedp.CSS("#pick-map"))))
	d.click("#pick-map")
	d.wait(`document.querySelector("#pick-map").dataset.picked === "1"`)
	d.follow("#report-submit")
	d.wait(`!!document.querySelector("#case-status")`)
	id := d.caseID()
	number := d.text("main h1")
	d.both("filed", "#case-status", "#timeline li")

	// The workbench lists it among their reports.
	d.home()
	if got := d.count("cases-mine", "view=mine"); got != mine+1 {
		t.Errorf("我反映的问题 shows %d after a report, want %d", got, mine+1)
	}
	row := d.text(`#w-cases-mine ul.rows a[href="/cases/` + itoa(id) + `"]`)
	if !strings.Contains(row, "路灯") || !strings.Contains(row, "待受理") {
		t.Errorf("the workbench's row of the new report: %q", row)
	}
	d.look("workbench-filed")

	// The community takes it through, writing an internal note; the
	// grid worker verifies.
	sec, grid := e.dayStaff(t, "demo-secretary"), e.dayStaff(t, "demo-grid")
	const internal = "内部备注：灯杆属城管维护，已电话联系"
	sec.moves(id, cases.Move{Action: "accept"}, cases.Move{Action: "register"}, cases.Move{Action: "dispatch", UnitKind: "community"},
		cases.Move{Action: "note", Note: internal}, cases.Move{Action: "handle", Note: "已更换灯泡，恢复照明"})
	grid.move(id, cases.Move{Action: "verify", Pass: dayBool(true)})
	sec.move(id, cases.Move{Action: "close"})

	d.home()
	if got := d.count("cases-mine", "view=to_rate"); got != toRate+1 {
		t.Errorf("待我评价 shows %d once the case is closed, want %d", got, toRate+1)
	} else if got != 1 {
		t.Logf("待我评价 shows %d: the demo leaves %d of the resident's cases unrated", got, toRate)
	}
	d.both("workbench-to-rate")
	d.todo("cases-mine", "view=to_rate")
	d.look("to-rate", "#case-total", "#cases a")
	d.follow(`#cases a[href="/cases/` + itoa(id) + `"]`)
	d.wait(`!!document.querySelector("#case-rate-form")`)
	d.both("rate", "#case-rate-form button.primary", "#case-rate-form input[type=radio]", "#timeline li")
	page := d.text("main")
	for _, name := range []string{e.dayName("demo-secretary"), e.dayName("demo-grid")} {
		if strings.Contains(page, name) {
			t.Errorf("the resident's case page names %s of staff", name)
		}
	}
	if strings.Contains(page, internal) || strings.Contains(page, "内部") {
		t.Errorf("the resident's case page shows the internal note: %s", page)
	}
	if n := evalDay[int](d, `document.querySelectorAll("#timeline li.internal").length`); n != 0 {
		t.Errorf("the resident's timeline has %d internal entries", n)
	}
	if !strings.Contains(d.text("main h1"), number) {
		t.Errorf("the case page is titled %q, want its number %q", d.text("main h1"), number)
	}
	d.englishHere("rate", "#case-rate-form button.primary", "#case-rate-form input[type=radio]")
	// Nothing is chosen for the resident (cases.TestRatingFormChoosesNothing).
	d.click(`#case-rate-form input[name=resolved][value="1"]`)
	d.click(`#case-rate-form input[name=satisfaction][value="satisfied"]`)
	d.follow("#case-rate-submit")
	d.wait(`!!document.querySelector("#case-rating")`)
	d.look("rated", "#case-rating")
	d.home()
	if got := d.count("cases-mine", "view=to_rate"); got != toRate {
		t.Errorf("待我评价 shows %d after rating, want %d", got, toRate)
	}
	d.look("workbench-rated")
	d.inEnglish()
}

// gridWorkerDay: on a phone, the grid worker records a visit to a
// household due, self-handles a problem with a photo, and verifies a case
// the community handled; the workbench's counts follow each step.
func gridWorkerDay(t *testing.T, e *env) {
	lon, lat := e.dayPoint(demoGridA)
	sec := e.dayStaff(t, "demo-secretary")
	toVerify := sec.report(map[string]any{"category": "0101", "description": "一号楼门口垃圾堆放", "lon": lon, "lat": lat})
	sec.moves(toVerify.ID, cases.Move{Action: "register"}, cases.Move{Action: "dispatch", UnitKind: "community"},
		cases.Move{Action: "handle", Note: "已清运"})
	var due struct {
		Items []struct {
			HouseholdID int64  `json:"household_id"`
			Address     string `json:"address"`
		} `json:"items"`
		Total int `json:"total"`
	}
	e.login("demo-grid").get("/api/v1/visits/due?limit=1").json(t, &due)
	if len(due.Items) == 0 {
		t.Fatal("no household of the grid worker is due a visit")
	}
	photo := filepath.Join(t.TempDir(), "after.png")
	if err := os.WriteFile(photo, pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	d := startDay(t, e, "demo-grid", "grid", 375)
	d.both("workbench", "#w-cases-grid .actions a.button", "#w-visits .actions a.button")
	dueN, verify := d.count("visits", "due=1"), d.count("cases-grid", "view=verify")
	selfN := d.count("cases-grid", "self_handled=1")
	if dueN != due.Total {
		t.Errorf("the workbench shows %d households due, the list %d", dueN, due.Total)
	}
	if verify < 1 || selfN < 0 {
		t.Fatalf("the grid worker's workbench: 待核查 %d, 本月自行处置 %d", verify, selfN)
	}

	// 记录走访: find the household by its address, record the visit.
	d.follow(`#w-visits .actions a[href="/visits/new"]`)
	d.look("visit-search", "#household-search button")
	d.must(chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.CSS(`#household-search input[name=address]`), due.Items[0].Address)))
	d.follow("#household-search button")
	d.look("visit-found", "#matches a.button")
	d.follow(`#matches a[href="/visits/new?household=` + itoa(due.Items[0].HouseholdID) + `"]`)
	d.wait(`!!document.querySelector("#visit-form")`)
	d.both("visit-form", "#visit-save", "#visit-form textarea[name=note]")
	d.must(chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.CSS("#visit-form textarea[name=note]"), "老人身体还好，叮嘱按时吃药")))
	d.follow("#visit-save")
	d.look("visit-saved", ".flash")
	d.home()
	if got := d.count("visits", "due=1"); got != dueN-1 {
		t.Errorf("households due: %d after a visit, want %d", got, dueN-1)
	}

	// 自行处置 with a photo.
	d.follow(`#w-cases-grid .actions a[href="/cases/self-handle"]`)
	d.wait(`document.querySelector("#pick-map") && document.querySelector("#pick-map").dataset.ready === "1"`)
	d.both("self-handle", "#self-handle-form input[type=file]", "#category", "#self-handle-submit")
	evalDay[bool](d, `(function () { var s = document.querySelector("#category"); s.value = "0104"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	d.must(chromedp.Do(d.ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#self-handle-form input[name=photos]`), []string{photo}),
		chromedp.SendKeys(chromedp.CSS(`#self-handle-form textarea[name=description]`), "单元门上贴满小广告"),
		chromedp.SendKeys(chromedp.CSS(`#self-handle-form textarea[name=handled]`), "已清除小广告"),
	))
	evalDay[bool](d, `document.querySelector("#pick-map").leafletMap.setView([`+ftoa(lat)+`, `+ftoa(lon)+`], 17, {animate: false}) !== null`)
	d.must(chromedp.Do(d.ctx, chromedp.ScrollIntoView(chromedp.CSS("#pick-map"))))
	d.click("#pick-map")
	d.wait(`document.querySelector("#pick-map").dataset.picked === "1"`)
	d.follow("#self-handle-submit")
	d.wait(`!!document.querySelector("#case-self-handled") && !!document.querySelector("#case-photos img")`)
	if s := d.text("#case-status"); s != "已结案" {
		t.Errorf("a self-handled case is %q", s)
	}
	d.look("self-handled", "#case-photos img", "#timeline li")
	d.home()
	if got := d.count("cases-grid", "self_handled=1"); got != selfN+1 {
		t.Errorf("本月自行处置 shows %d, want %d", got, selfN+1)
	}

	// 待核查: the case the community handled.
	d.todo("cases-grid", "view=verify")
	d.look("to-verify", "#case-total")
	if n := evalDay[int](d, `Number(document.querySelector("#case-total").dataset.total)`); n != verify {
		t.Errorf("the list of 待核查 has %d, the workbench said %d", n, verify)
	}
	d.follow(`#cases a[href="/cases/` + itoa(toVerify.ID) + `"]`)
	d.wait(`!!document.querySelector("#act-verify[open]")`)
	d.both("verify", "#do-verify", "#act-verify input[type=radio]")
	d.follow("#do-verify")
	d.must(waitStatus(d.ctx, "待结案"))
	d.look("verified", "#case-status")
	d.home()
	if got := d.count("cases-grid", "view=verify"); got != verify-1 {
		t.Errorf("待核查 shows %d after a verification, want %d", got, verify-1)
	}
	d.look("workbench-done")
	d.inEnglish()
}

// secretaryDay: on a desktop screen, the secretary opens 待受理 from the
// workbench and accepts a report; the list's total and the workbench's
// count drop by one.
func secretaryDay(t *testing.T, e *env) {
	lon, lat := e.dayPoint(demoGridA)
	res := e.dayStaff(t, "demo-resident")
	fresh := res.report(map[string]any{"category": "0201", "description": "菜市场门口占道摆摊，车辆无法通行", "lon": lon, "lat": lat})

	d := startDay(t, e, "demo-secretary", "secretary", 1440)
	d.both("workbench", "#w-cases-community ul.todo a")
	n := d.count("cases-community", "status=submitted")
	if n < 1 {
		t.Fatalf("待受理 shows %d with a report waiting", n)
	}
	d.todo("cases-community", "status=submitted")
	d.both("to-accept", "#case-total", "#cases a")
	if got := evalDay[int](d, `Number(document.querySelector("#case-total").dataset.total)`); got != n {
		t.Errorf("the list of 待受理 has %d, the workbench said %d", got, n)
	}
	d.follow(`#cases a[href="/cases/` + itoa(fresh.ID) + `"]`)
	d.wait(`!!document.querySelector("#act-accept[open]")`)
	d.both("accept", "#do-accept", "#case-status")
	d.follow("#do-accept")
	d.must(waitStatus(d.ctx, "已受理"))
	d.look("accepted", "#case-done")
	d.home()
	if got := d.count("cases-community", "status=submitted"); got != n-1 {
		t.Errorf("待受理 shows %d after accepting one, want %d", got, n-1)
	}
	d.todo("cases-community", "status=submitted")
	if got := evalDay[int](d, `Number(document.querySelector("#case-total").dataset.total)`); got != n-1 {
		t.Errorf("the list of 待受理 has %d after accepting one, want %d", got, n-1)
	}
	d.look("to-accept-after", "#case-total")
	d.inEnglish()
}

// departmentDay: on a phone, department staff see a whistle waiting for
// 报到 with its countdown on the workbench, report from the case page,
// and the row leaves the workbench.
func departmentDay(t *testing.T, e *env) {
	u, err := e.app.Accounts.UserByName(context.Background(), "demo-dept")
	if err != nil {
		t.Fatal(err)
	}
	lon, lat := e.dayPoint(demoGridA)
	sec := e.dayStaff(t, "demo-secretary")
	c := sec.report(map[string]any{"category": "0201", "description": "夜市摊点占用消防通道", "lon": lon, "lat": lat})
	if r := sec.c.api("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: []int64{u.DepartmentID},
		RespondMinutes: 60, Note: "需城管执法到场"}); r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusOK {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.body)
	}

	d := startDay(t, e, "demo-dept", "dept", 375)
	row := `#w-cases-department ul.rows a[href="/cases/` + itoa(c.ID) + `"]`
	d.both("workbench", row, row+" time.due")
	if txt := d.text(row); !strings.Contains(txt, c.Number) || !strings.Contains(txt, "报到还剩 1 小时") {
		t.Errorf("the workbench's row of the whistle: %q", txt)
	}
	due := evalDay[string](d, `document.querySelector(`+strconv.Quote(row+" time.due")+`).getAttribute("datetime")`)
	if at, err := time.Parse(time.RFC3339, due); err != nil || !at.Equal(e.clock.Now().Add(60*time.Minute)) {
		t.Errorf("the countdown reads %q, want an hour after the whistle (%s)", due, e.clock.Now().Add(time.Hour).Format(time.RFC3339))
	}
	// The whistle list shows the 报到 button whole on the phone too.
	d.menu("/whistles")
	d.both("whistles", "#whistles button.primary", "#whistles td[data-label]")
	d.home()
	d.follow(row)
	d.wait(`!!document.querySelector("#party-report")`)
	d.both("case", "#party-report", "#case-status")
	d.follow("#party-report")
	d.wait(`!!document.querySelector("#party-arrive")`)
	d.look("reported", "#party-arrive", "#party-feedback")
	d.home()
	if n := evalDay[int](d, `document.querySelectorAll(`+strconv.Quote(row)+`).length`); n != 0 {
		t.Errorf("the whistle reported to is still on the workbench")
	}
	d.look("workbench-done")
	d.inEnglish()
}

// cityAdminDay: on a desktop screen, the city administrator moves a
// community worker to another community with the region picker, which
// signs the worker out; changes a sub-class's time limit in the
// catalogue editor; and reads both in the audit log, with names.
func cityAdminDay(t *testing.T, e *env) {
	worker := e.login("demo-worker")
	if r := worker.get("/api/v1/workbench"); r.StatusCode != http.StatusOK {
		t.Fatalf("the worker's workbench before the move: %d", r.StatusCode)
	}
	workerID, workerName, adminName := e.userID("demo-worker"), e.dayName("demo-worker"), e.dayName("demo-city")

	d := startDay(t, e, "demo-city", "city", 1440)
	d.both("workbench")

	// 账号: find the worker, move them to 民巷社区.
	d.menu("/users")
	d.both("users", "#users a")
	d.must(chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.CSS(`form.filters input[name=q]`), "demo-worker")))
	d.click("form.filters button")
	d.wait(`document.querySelectorAll("#users tbody a[href^='/users/']").length === 1`)
	d.follow(`#users a[href="/users/` + itoa(workerID) + `"]`)
	d.wait(`!!document.querySelector("#placement-form")`)
	d.both("user", "#placement-form [data-picker-text]", "#placement-save")
	if p := d.text("#user-place"); !strings.Contains(p, "章江路社区") {
		t.Errorf("the worker's place before the move: %q", p)
	}
	d.must(chromedp.Do(d.ctx,
		chromedp.Clear(chromedp.CSS(`#placement-form [data-picker-text]`)),
		chromedp.SendKeys(chromedp.CSS(`#placement-form [data-picker-text]`), "民巷"),
	))
	option := `#placement-form [data-picker-list]:not([hidden]) li[role=option]`
	d.wait(`!document.querySelector("#placement-form [data-picker-list][aria-busy]") && Array.from(document.querySelectorAll("` + option + `")).some(function (li) { return li.textContent.indexOf("滕王阁街道") >= 0 && li.textContent.indexOf("民巷社区") >= 0; })`)
	d.look("picker", option)
	evalDay[bool](d, `(function () { Array.from(document.querySelectorAll("`+option+`")).forEach(function (li, i) { if (li.textContent.indexOf("滕王阁街道") >= 0 && li.textContent.indexOf("民巷社区") >= 0) { li.id = li.id || "pick-" + i; li.dataset.dayPick = "1"; } }); return true; })()`)
	d.click(option + `[data-day-pick]`)
	if code := evalDay[string](d, `document.querySelector("#placement-form [data-picker-code]").value`); code != "360102002001" {
		t.Errorf("the picker chose %q, want 民巷社区 360102002001", code)
	}
	d.follow("#placement-save")
	d.wait(`!!document.querySelector("#user-place")`)
	if p := d.text("#user-place"); !strings.Contains(p, "民巷社区") {
		t.Errorf("the worker's place after the move: %q", p)
	}
	d.look("user-moved", ".flash", "#user-place")
	if r := worker.get("/api/v1/workbench"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the moved worker is still signed in: %d", r.StatusCode)
	}
	if r := worker.get("/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Errorf("the moved worker's home page: %d %s", r.StatusCode, r.Header.Get("Location"))
	}

	// 事项分类: 0101 暴露垃圾 gets two days to handle instead of one.
	d.menu("/cases/catalogue")
	d.look("catalogue", "#cat-0101 a.edit")
	d.follow(`#cat-0101 a.edit`)
	form := `#cat-0101 form.catalogue-category`
	d.wait(`!!document.querySelector("` + form + `")`)
	d.both("catalogue-edit", form+" input[name=limit_handle]", form+" select[name=unit_handle]", form+" button.primary")
	// An empty limit offers the unit it inherits (受理 2 工作小时).
	if u := evalDay[string](d, `document.querySelector("`+form+` select[name=unit_accept]").value`); u != "h" {
		t.Errorf("the empty 受理时限 of 0101, which inherits 2 working hours, offers the unit %q", u)
	}
	d.must(chromedp.Do(d.ctx,
		chromedp.Clear(chromedp.CSS(form+" input[name=limit_handle]")),
		chromedp.SendKeys(chromedp.CSS(form+" input[name=limit_handle]"), "2"),
	))
	evalDay[bool](d, `(function () { var s = document.querySelector("`+form+` select[name=unit_handle]"); s.value = "d"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	d.follow(form + " button.primary")
	d.wait(`!!document.querySelector("#cat-0101 a.edit")`)
	if s := d.text("#cat-0101 > p"); !strings.Contains(s, "处置 2 工作日") {
		t.Errorf("0101 after the change reads %q", s)
	}
	d.look("catalogue-saved", ".flash")

	// 审计日志: both changes, as sentences with names.
	d.menu("/audit")
	d.look("audit", "#audit li .audit-say")
	says := evalDay[[]string](d, `Array.from(document.querySelectorAll("#audit .audit-say")).slice(0, 20).map(function (p) { return p.textContent; })`)
	var moved, catalogue bool
	for _, s := range says {
		if strings.Contains(s, adminName) && strings.Contains(s, workerName) && strings.Contains(s, "民巷社区") {
			moved = true
		}
		if strings.Contains(s, adminName) && strings.Contains(s, "事项分类") {
			catalogue = true
			if strings.Contains(s, "#") {
				t.Errorf("the catalogue's version reads as a record number: %q", s)
			}
		}
		if dayKey.MatchString(s) {
			t.Errorf("an audit sentence shows a key or code: %q", s)
		}
	}
	if !moved || !catalogue {
		t.Errorf("the audit log's latest sentences (moved %v, catalogue %v):\n%s", moved, catalogue, strings.Join(says, "\n"))
	}
	d.inEnglish()
}
