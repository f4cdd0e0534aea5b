package volunteer_test

import (
	"context"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/authz"
	"grassroots/internal/volunteer"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rule is the rule of the first field error of a problem answer.
func rule(r apptest.Response) string {
	m := regexp.MustCompile(`"rule":"([^"]+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		return ""
	}
	return "rule." + m[1]
}

// The venue: a point in community A's city, and positions near and far.
var (
	venueLat, venueLon = 22.5431, 114.0579
	near               = map[string]any{"lat": 22.5435, "lon": 114.0580, "accuracy": 15.0}
	far                = map[string]any{"lat": 22.5600, "lon": 114.0579, "accuracy": 15.0}
)

// organise publishes an activity of community A starting now, as its
// secretary does, and returns it.
func organise(t testing.TB, e *apptest.Env, title string) volunteer.Activity {
	t.Helper()
	now := e.Clock.Now().In(time.FixedZone("CST", 8*3600))
	r := e.Login("secretary").API("POST", "/api/v1/volunteer/activities", map[string]any{"title": title, "category": "safety", "place": "甲一社区广场",
		"lat": venueLat, "lon": venueLon, "radius": 150, "starts_at": now.Format("2006-01-02T15:04"), "ends_at": now.Add(2 * time.Hour).Format("2006-01-02T15:04"),
		"capacity": 30, "min_stay": 30})
	if r.StatusCode != 201 {
		t.Fatalf("organise %s: %d %s", title, r.StatusCode, r.Body)
	}
	var a volunteer.Activity
	r.JSON(t, &a)
	return a
}

func code(t testing.TB, e *apptest.Env, id int64) volunteer.Code {
	t.Helper()
	var c volunteer.Code
	if r := e.Login("secretary").Get("/api/v1/volunteer/activities/" + itoa(id) + "/code"); r.StatusCode != 200 {
		t.Fatalf("the code: %d %s", r.StatusCode, r.Body)
	} else {
		r.JSON(t, &c)
	}
	return c
}

func scan(c *apptest.Client, code string, at map[string]any, device string) apptest.Response {
	body := map[string]any{"code": code, "device": device}
	for k, v := range at {
		body[k] = v
	}
	return c.API("POST", "/api/v1/volunteer/checkins", body)
}

// TestVerifiedPresence: a member checks in with the code shown now, at
// the venue, and out an hour later with the code shown then; the stay
// counts its hour. A code a minute old, one altered, one of another
// activity, a scan from outside the fence and a third scan are refused
// with their reasons, and count nothing.
func TestVerifiedPresence(t *testing.T) {
	e := apptest.New(t)
	a := organise(t, e, "平安巡逻")
	other := organise(t, e, "环境整治")
	member := e.Login("member")
	c := code(t, e, a.ID)
	if !strings.HasSuffix(c.Link, "/checkin?c="+c.Code) || !c.Until.After(e.Clock.Now()) {
		t.Errorf("the code's link and end: %+v", c)
	}
	stale := c.Code
	for _, tt := range []struct {
		name, code string
		at         map[string]any
		rule       string
	}{
		{"NotACode", "hello", near, "rule.vol_code_malformed"},
		{"Altered", stale[:10] + flip(stale[10]) + stale[11:], near, "rule.vol_code_forged"},
		{"OutsideTheFence", stale, far, "rule.vol_outside_fence"},
	} {
		if r := scan(member, tt.code, tt.at, "phone-1"); r.StatusCode != 422 || rule(r) != tt.rule {
			t.Errorf("%s: %d %s, want %s", tt.name, r.StatusCode, r.Body, tt.rule)
		}
	}
	// This activity's code, its number changed to another's: the other's
	// key did not make it.
	raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(c.Code)
	binary.BigEndian.PutUint64(raw[:8], uint64(other.ID))
	spliced := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	if r := scan(member, spliced, near, "phone-1"); r.StatusCode != 422 || rule(r) != "rule.vol_code_forged" {
		t.Errorf("a code spliced from another activity's: %d %s", r.StatusCode, r.Body)
	}
	in := scan(member, c.Code, near, "phone-1")
	var ci volunteer.CheckIn
	in.JSON(t, &ci)
	if in.StatusCode != 201 || ci.Out || ci.ActivityID != a.ID || ci.Metres == nil || *ci.Metres > 100 {
		t.Fatalf("check-in: %d %s", in.StatusCode, in.Body)
	}
	// A minute on, the code first shown has expired.
	e.Clock.Add(time.Minute + 5*time.Second)
	if r := scan(member, stale, near, "phone-1"); r.StatusCode != 422 || rule(r) != "rule.vol_code_expired" {
		t.Errorf("a replayed code a minute old: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Add(time.Hour)
	member = e.Login("member")
	if r := scan(member, code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 201 || !strings.Contains(r.Body, `"out":true`) {
		t.Fatalf("check-out: %d %s", r.StatusCode, r.Body)
	}
	if r := scan(member, code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 409 {
		t.Errorf("a third scan: %d %s", r.StatusCode, r.Body)
	}
	var att volunteer.Attendance
	e.Login("secretary").Get("/api/v1/volunteer/activities/"+itoa(a.ID)+"/attendance").JSON(t, &att)
	if len(att.Stays) != 1 || len(att.Stays[0].Flags) != 0 || att.Stays[0].Minutes != 61 || att.Counted != 61 {
		t.Errorf("the attendance: %+v", att)
	}
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// TestAnomaliesAreFlagged: a stay too short, and a check-in without a
// check-out, are listed with their anomaly and count nothing.
func TestAnomaliesAreFlagged(t *testing.T) {
	e := apptest.New(t)
	a := organise(t, e, "政策宣讲")
	member := e.Login("member")
	if r := scan(member, code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 201 {
		t.Fatalf("check-in: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Add(5 * time.Minute)
	if r := scan(e.Login("member"), code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 201 {
		t.Fatalf("check-out: %d %s", r.StatusCode, r.Body)
	}
	var att volunteer.Attendance
	e.Login("secretary").Get("/api/v1/volunteer/activities/"+itoa(a.ID)+"/attendance").JSON(t, &att)
	if len(att.Stays) != 1 || fmt.Sprint(att.Stays[0].Flags) != "[short_stay]" || att.Counted != 0 || att.Flagged != 1 {
		t.Errorf("a five-minute stay: %+v", att)
	}
	page := e.Login("secretary").Get("/volunteer/activities/" + itoa(a.ID))
	if !strings.Contains(page.Body, `data-flag="short_stay"`) || !strings.Contains(page.Body, "停留过短") {
		t.Error("the activity page does not flag the short stay by name")
	}
}

// TestScopeAndPages: the organiser's pages, the member's check-in page,
// and who may see what: another community's worker sees neither the
// activity nor its code; a member cannot show the code.
func TestScopeAndPages(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	sec.Get("/volunteer/new")
	now := e.Clock.Now().In(time.FixedZone("CST", 8*3600))
	form := url.Values{"title": {"入户关爱"}, "category": {"assistance"}, "place": {"甲一社区"}, "starts_at": {now.Add(time.Hour).Format("2006-01-02T15:04")},
		"ends_at": {now.Add(3 * time.Hour).Format("2006-01-02T15:04")}, "capacity": {"20"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("ends_at", now.Format("2006-01-02T15:04"))
	bad.Set("capacity", "二十")
	if r := sec.Form("/volunteer", bad); r.StatusCode != 422 || !strings.Contains(r.Body, "须晚于开始时间") || !strings.Contains(r.Body, "须为整数") {
		t.Errorf("a bad activity: %d", r.StatusCode)
	}
	r := sec.Form("/volunteer", form)
	if r.StatusCode != 303 {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if p := sec.Get(loc); p.StatusCode != 200 || !strings.Contains(p.Body, "助困扶残与就业援助") || !strings.Contains(p.Body, `id="show-code"`) {
		t.Errorf("the activity page: %d", p.StatusCode)
	}
	codePage := sec.Get("/volunteer/activities/" + id + "/code")
	if codePage.StatusCode != 200 || !strings.Contains(codePage.Body, `src="data:image/png;base64,`) || !strings.Contains(codePage.Body, `id="code-text"`) {
		t.Errorf("the code page: %d", codePage.StatusCode)
	}
	if list := sec.Get("/volunteer"); !strings.Contains(list.Body, "入户关爱") || !strings.Contains(list.Body, "共 1 条") {
		t.Error("the organiser's list")
	}
	member := e.Login("member")
	if list := member.Get("/volunteer"); !strings.Contains(list.Body, "入户关爱") || !strings.Contains(list.Body, `id="to-checkin"`) {
		t.Error("the member's list of what is to come")
	}
	if g := member.Get("/volunteer/activities/" + id + "/code"); g.StatusCode != 403 {
		t.Errorf("a member shows the code: %d", g.StatusCode)
	}
	worker := e.Login("worker") // community B
	for _, p := range []string{"/volunteer/activities/" + id, "/api/v1/volunteer/activities/" + id + "/code", "/api/v1/volunteer/activities/" + id + "/attendance"} {
		if g := worker.Get(p); g.StatusCode != 404 {
			t.Errorf("community B reads %s: %d", p, g.StatusCode)
		}
	}
	// The member's check-in page: a bad code is refused beside the field;
	// the code as scanned is checked in.
	member.Get("/checkin")
	if p := member.Form("/checkin", url.Values{"code": {"NOTACODE"}}); p.StatusCode != 422 || !strings.Contains(p.Body, "不是签到码") {
		t.Errorf("a bad code on the page: %d", p.StatusCode)
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	c := code(t, e, n)
	if p := member.Get("/checkin?c=" + c.Code); !strings.Contains(p.Body, `value="`+c.Code+`"`) {
		t.Error("the check-in page does not carry the scanned code")
	}
	if p := member.Form("/checkin", url.Values{"code": {c.Code}, "device": {"phone-9"}}); p.StatusCode != 200 || !strings.Contains(p.Body, `id="checked"`) || !strings.Contains(p.Body, "已签到") {
		t.Errorf("check-in on the page: %d", p.StatusCode)
	}
	if g := sec.Get("/volunteer/activities/" + id); !strings.Contains(g.Body, "在职党员") && !strings.Contains(g.Body, "member") {
		t.Error("the attendance does not name the member")
	}
}

// TestRegistration: a member registers with the community where they
// live; a registration without a service is refused beside its field; the
// community confirms it into one of its grids (not another community's),
// once; half a year on it is due again.
func TestRegistration(t *testing.T) {
	e := apptest.New(t)
	member := e.Login("member")
	member.Get("/volunteer/me")
	if r := member.Form("/volunteer/me", url.Values{"workplace": {"市财政局机关党委"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "请至少选择一项可提供的服务") {
		t.Errorf("no service offered: %d", r.StatusCode)
	}
	if r := member.Form("/volunteer/me", url.Values{"workplace": {"市财政局机关党委"}, "categories": {"legal", "safety"}, "availability": {"周末"}}); r.StatusCode != 303 {
		t.Fatalf("register: %d %s", r.StatusCode, r.Body)
	}
	var mine volunteer.Registration
	member.Get("/api/v1/volunteer/registration").JSON(t, &mine)
	if mine.Status != volunteer.Pending || mine.CommunityCode != apptest.CommunityA || fmt.Sprint(mine.Categories) != "[legal safety]" {
		t.Fatalf("the member's registration: %+v", mine)
	}
	sec := e.Login("secretary")
	list := sec.Get("/volunteer/registrations?status=pending")
	if !strings.Contains(list.Body, "市财政局机关党委") || !strings.Contains(list.Body, "法律咨询与援助") || !strings.Contains(list.Body, `id="confirm-`+itoa(mine.ID)+`"`) {
		t.Error("the community's list of registrations")
	}
	if r := sec.API("POST", "/api/v1/volunteer/registrations/"+itoa(mine.ID)+"/confirm", map[string]any{"grid": apptest.GridB1}); r.StatusCode != 422 || rule(r) != "rule.vol_grid" {
		t.Errorf("placed in another community's grid: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Login("worker").API("POST", "/api/v1/volunteer/registrations/"+itoa(mine.ID)+"/confirm", map[string]any{"grid": apptest.GridA1}); r.StatusCode != 404 {
		t.Errorf("community B confirms community A's member: %d", r.StatusCode)
	}
	sec.Get("/volunteer/registrations")
	if r := sec.Form("/volunteer/registrations/"+itoa(mine.ID)+"/confirm", url.Values{"grid": {apptest.GridA1}}); r.StatusCode != 303 {
		t.Fatalf("confirm: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/volunteer/registrations/"+itoa(mine.ID)+"/confirm", map[string]any{"grid": apptest.GridA1}); r.StatusCode != 409 {
		t.Errorf("confirmed twice: %d", r.StatusCode)
	}
	if p := member.Get("/volunteer/me"); !strings.Contains(p.Body, "已报到") || !strings.Contains(p.Body, "2027-05-26") {
		t.Errorf("the member's page after confirmation")
	}
	e.Clock.Add(190 * 24 * time.Hour)
	var due struct {
		Total int64 `json:"total"`
	}
	e.Login("secretary").Get("/api/v1/volunteer/registrations?status=expired").JSON(t, &due)
	if due.Total != 1 {
		t.Errorf("registrations due again after half a year: %d", due.Total)
	}
	if p := e.Login("member").Get("/volunteer/me"); !strings.Contains(p.Body, "已到期，须重新报到") {
		t.Error("the member is not told to register again")
	}
}

// TestHoursLedger: once the activity has ended its organiser confirms who
// was there; the member's verified hour goes to their ledger with the
// activity as its reason, once; a flagged stay adds nothing.
func TestHoursLedger(t *testing.T) {
	e := apptest.New(t)
	a := organise(t, e, "平安巡逻")
	if r := scan(e.Login("member"), code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 201 {
		t.Fatalf("check-in: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Add(time.Hour)
	if r := scan(e.Login("member"), code(t, e, a.ID).Code, near, "phone-1"); r.StatusCode != 201 {
		t.Fatalf("check-out: %d %s", r.StatusCode, r.Body)
	}
	sec := e.Login("secretary")
	if r := sec.API("POST", "/api/v1/volunteer/activities/"+itoa(a.ID)+"/confirm", nil); r.StatusCode != 409 {
		t.Errorf("confirmed before the end: %d", r.StatusCode)
	}
	e.Clock.Add(90 * time.Minute)
	sec = e.Login("secretary")
	sec.Get("/volunteer/activities/" + itoa(a.ID))
	if r := sec.Form("/volunteer/activities/"+itoa(a.ID)+"/confirm", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("confirm: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/volunteer/activities/"+itoa(a.ID)+"/confirm", nil); r.StatusCode != 409 {
		t.Errorf("confirmed twice: %d", r.StatusCode)
	}
	var y volunteer.Year
	e.Login("member").Get("/api/v1/volunteer/hours").JSON(t, &y)
	if len(y.Entries) != 1 || y.Minutes != 60 || y.Points != 1.2 || y.Entries[0].Reason != "平安巡逻" || y.YearHours != 50 {
		t.Errorf("the member's year: %+v", y)
	}
	if p := e.Login("member").Get("/volunteer/me"); !strings.Contains(p.Body, `id="year-hours">1<`) || !strings.Contains(p.Body, "平安巡逻") {
		t.Error("the member's page does not show the hour")
	}
}

// TestMicroWish: the community posts a wish for a beneficiary who has
// consented (without consent it is refused) and gets the one-time code,
// once; the list shows the beneficiary masked; a member claims it and
// completes it with the code; a wrong code counts nothing, and five of
// them leave it to the community; another community sees nothing.
func TestMicroWish(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	sec.Get("/volunteer/wishes")
	form := url.Values{"title": {"一台助听器"}, "category": {"assistance"}, "beneficiary": {"王秀英"}}
	if r := sec.Form("/volunteer/wishes", form); r.StatusCode != 422 || !strings.Contains(r.Body, "须经受益人本人同意") {
		t.Errorf("a wish without consent: %d", r.StatusCode)
	}
	form.Set("consented", "1")
	r := sec.Form("/volunteer/wishes", form)
	m := regexp.MustCompile(`id="wish-code">(\d{6})<`).FindStringSubmatch(r.Body)
	if r.StatusCode != 201 || m == nil {
		t.Fatalf("posted: %d", r.StatusCode)
	}
	code := m[1]
	var list struct {
		Items []volunteer.Wish `json:"items"`
	}
	member := e.Login("member")
	member.Get("/api/v1/volunteer/wishes?status=open").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Beneficiary == "王秀英" || !strings.HasPrefix(list.Items[0].Beneficiary, "王") {
		t.Fatalf("the open wishes as a member sees them: %+v", list.Items)
	}
	id := itoa(list.Items[0].ID)
	if p := member.Get("/api/v1/volunteer/wishes/" + id); strings.Contains(p.Body, "王秀英") || strings.Contains(p.Body, code) {
		t.Error("a wish shows the beneficiary's whole name or the code")
	}
	if g := e.Login("worker").Get("/api/v1/volunteer/wishes/" + id); g.StatusCode != 404 {
		t.Errorf("community B reads the wish: %d", g.StatusCode)
	}
	if r := member.API("POST", "/api/v1/volunteer/wishes/"+id+"/fulfil", map[string]any{"code": code}); r.StatusCode != 409 {
		t.Errorf("completed before it was claimed: %d", r.StatusCode)
	}
	member.Get("/volunteer/wishes/" + id)
	if r := member.Form("/volunteer/wishes/"+id+"/claim", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("claim: %d %s", r.StatusCode, r.Body)
	}
	if r := member.API("POST", "/api/v1/volunteer/wishes/"+id+"/claim", nil); r.StatusCode != 409 {
		t.Errorf("claimed twice: %d", r.StatusCode)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	if r := member.Form("/volunteer/wishes/"+id+"/fulfil", url.Values{"code": {wrong}}); r.StatusCode != 422 || !strings.Contains(r.Body, "请核对受益人的确认码") {
		t.Errorf("a wrong code: %d", r.StatusCode)
	}
	var y volunteer.Year
	member.Get("/api/v1/volunteer/hours").JSON(t, &y)
	if y.Points != 0 {
		t.Errorf("a wrong code earned %v points", y.Points)
	}
	if r := member.Form("/volunteer/wishes/"+id+"/fulfil", url.Values{"code": {code}}); r.StatusCode != 303 {
		t.Fatalf("fulfil: %d %s", r.StatusCode, r.Body)
	}
	member.Get("/api/v1/volunteer/hours").JSON(t, &y)
	if y.Points != volunteer.WishPoints || len(y.Entries) != 1 || y.Entries[0].Reason != "微心愿：一台助听器" {
		t.Errorf("the member's year after the wish: %+v", y)
	}
	if r := member.API("POST", "/api/v1/volunteer/wishes/"+id+"/fulfil", map[string]any{"code": code}); r.StatusCode != 409 {
		t.Errorf("the code used again: %d", r.StatusCode)
	}

	// Five wrong codes lock a wish.
	var p2 volunteer.Posted
	sec.API("POST", "/api/v1/volunteer/wishes", map[string]any{"title": "辅导作业", "category": "culture", "beneficiary": "李明", "consented": true}).JSON(t, &p2)
	id2 := itoa(p2.Wish.ID)
	member.API("POST", "/api/v1/volunteer/wishes/"+id2+"/claim", nil)
	bad := "999999"
	if p2.Code == bad {
		bad = "999998"
	}
	for range volunteer.MaxCodeTries {
		member.API("POST", "/api/v1/volunteer/wishes/"+id2+"/fulfil", map[string]any{"code": bad})
	}
	if r := member.API("POST", "/api/v1/volunteer/wishes/"+id2+"/fulfil", map[string]any{"code": p2.Code}); r.StatusCode != 409 {
		t.Errorf("the right code after five wrong ones: %d %s", r.StatusCode, r.Body)
	}
	var locked volunteer.Wish
	member.Get("/api/v1/volunteer/wishes/"+id2).JSON(t, &locked)
	if !locked.Locked || locked.Status != volunteer.WishClaimed {
		t.Errorf("the wish after five wrong codes: %+v", locked)
	}
}

// TestWaitingList: with one place, the second member waits; when the
// first cancels, the second moves up; a sign-up twice is refused.
func TestWaitingList(t *testing.T) {
	e := apptest.New(t)
	now := e.Clock.Now().In(time.FixedZone("CST", 8*3600))
	var a volunteer.Activity
	e.Login("secretary").API("POST", "/api/v1/volunteer/activities", map[string]any{"title": "陪伴老人", "category": "assistance", "place": "甲一社区",
		"starts_at": now.Add(24 * time.Hour).Format("2006-01-02T15:04"), "ends_at": now.Add(26 * time.Hour).Format("2006-01-02T15:04"), "capacity": 1}).JSON(t, &a)
	other := &authz.Actor{UserID: 777, DisplayName: "李四", Role: authz.RolePartyMember, Scope: authz.Scope{Region: apptest.CommunityA}}
	if p, err := e.App.Volunteer.SignUp(context.Background(), other, a.ID); err != nil || p.Mine != volunteer.Signed {
		t.Fatalf("the first sign-up: %+v %v", p, err)
	}
	member := e.Login("member")
	member.Get("/volunteer/activities/" + itoa(a.ID))
	if r := member.Form("/volunteer/activities/"+itoa(a.ID)+"/signup", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("the second sign-up: %d %s", r.StatusCode, r.Body)
	}
	var p volunteer.Places
	member.Get("/api/v1/volunteer/activities/"+itoa(a.ID)+"/places").JSON(t, &p)
	if p.Mine != volunteer.Waiting || p.Signed != 1 || p.Waiting != 1 {
		t.Fatalf("the member's place: %+v", p)
	}
	if r := member.API("POST", "/api/v1/volunteer/activities/"+itoa(a.ID)+"/signup", nil); r.StatusCode != 409 {
		t.Errorf("signed up twice: %d", r.StatusCode)
	}
	if _, err := e.App.Volunteer.Cancel(context.Background(), other, a.ID); err != nil {
		t.Fatal(err)
	}
	member.Get("/api/v1/volunteer/activities/"+itoa(a.ID)+"/places").JSON(t, &p)
	if p.Mine != volunteer.Signed || p.Signed != 1 || p.Waiting != 0 {
		t.Errorf("after the first cancelled: %+v, want the member moved up", p)
	}
	if g := e.Login("worker").API("POST", "/api/v1/volunteer/activities/"+itoa(a.ID)+"/signup", nil); g.StatusCode != 403 {
		t.Errorf("a community worker signs up: %d", g.StatusCode)
	}
}

// TestPagesInEnglish: every page of the module in English shows no
// Chinese of its own (names typed by people aside) and no stored value.
func TestPagesInEnglish(t *testing.T) {
	e := apptest.New(t)
	a := organise(t, e, "Patrol")
	sec, member := e.Login("secretary"), e.Login("member")
	var w volunteer.Posted
	sec.API("POST", "/api/v1/volunteer/wishes", map[string]any{"title": "Hearing aid", "category": "assistance", "beneficiary": "Wang", "consented": true}).JSON(t, &w)
	scan(member, code(t, e, a.ID).Code, near, "p")
	cjk := regexp.MustCompile(`\p{Han}`)
	for _, c := range []*apptest.Client{sec, member} {
		c.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	}
	for _, p := range []struct {
		c    *apptest.Client
		path string
	}{{sec, "/volunteer"}, {sec, "/volunteer/new"}, {sec, "/volunteer/activities/" + itoa(a.ID)}, {sec, "/volunteer/activities/" + itoa(a.ID) + "/code"},
		{sec, "/volunteer/registrations"}, {sec, "/volunteer/wishes"}, {member, "/volunteer/wishes/" + itoa(w.Wish.ID)}, {member, "/volunteer/me"}, {member, "/checkin"}} {
		r := p.c.Get(p.path)
		text := apptest.VisibleText(r.Body)
		// The fixture's own names are Chinese, and the language switch
		// names Chinese in Chinese.
		for _, name := range []string{"甲一社区居委会", "甲一社区广场", "甲区", "甲一街道", "中文"} {
			text = strings.ReplaceAll(text, name, "")
		}
		// The fixture's accounts and city are named 测试….
		text = regexp.MustCompile(`测试\p{Han}*`).ReplaceAllString(text, "")
		if r.StatusCode != 200 || cjk.MatchString(text) {
			t.Errorf("%s in English: %d, Chinese left: %q", p.path, r.StatusCode, cjk.FindAllString(text, 20))
		}
		apptest.NoCodes(t, p.path, r.Body)
	}
}
