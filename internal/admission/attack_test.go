package admission_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
)

// parallel sends n requests at once and counts the answers by status.
func parallel(n int, send func() apptest.Response) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := send().StatusCode
			mu.Lock()
			got[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return got
}

// declineFirst declines the first open task of c's community as not on
// the list, and returns its id.
func declineFirst(t *testing.T, c *apptest.Client) string {
	t.Helper()
	var inbox struct {
		Items []admission.Task `json:"items"`
	}
	c.Get("/api/v1/admission/tasks?status=open").JSON(t, &inbox)
	if len(inbox.Items) == 0 {
		t.Fatal("no open task to decline")
	}
	task := itoa(inbox.Items[0].ID)
	if r := c.API("POST", "/api/v1/admission/tasks/"+task+"/act", map[string]any{"action": "decline", "note": "不在清单内"}); r.StatusCode != 200 {
		t.Fatalf("decline: %d %s", r.StatusCode, r.Body)
	}
	return task
}

// TestBadInputChangesNothing: numbers a form cannot read, an emergency
// that is not one of the grounds or that rides on a listed item, a
// review note beyond its length, file names that hide their kind: each
// is refused naming the field, and nothing is filed or counted.
func TestBadInputChangesNothing(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	dept := e.Login("dept")
	dept.Get("/admission/requests/new")
	listed := itoa(itemID(t, l, "XZ-21"))
	form := func(kv ...string) url.Values {
		v := url.Values{"title": {"入户宣传"}, "item_id": {listed}, "target": {apptest.CommunityA}, "starts_on": {"2026-11-27"}, "due_on": {"2026-12-31"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"HoursNaN", form("hours", "NaN"), "hours"},
		{"HoursInfinite", form("hours", "+Inf"), "hours"},
		{"HoursWords", form("hours", "三小时"), "hours"},
		{"ItemNotANumber", form("item_id", "33abc"), "item_id"},
	} {
		r := dept.Form("/admission/requests", tt.form)
		if r.StatusCode != 422 || !strings.Contains(r.Body, `name="`+tt.field+`"`) || !strings.Contains(r.Body, "须为数字") {
			t.Errorf("%s: %d, want 422 naming %s", tt.name, r.StatusCode, tt.field)
		}
	}
	for _, tt := range []struct {
		name string
		body map[string]any
		rule string
	}{
		{"UnknownGround", map[string]any{"kind": "task", "emergency": "<b>bogus</b>", "emergency_reason": "x"}, "rule.one_of"},
		{"EmergencyOnAListedItem", map[string]any{"item_id": itemID(t, l, "XZ-21"), "emergency": "public_safety", "emergency_reason": "燃气"}, "rule.adm_emergency_listed"},
		{"AssessmentOnATaskItem", map[string]any{"item_id": itemID(t, l, "XZ-21"), "kind": "assessment"}, "rule.adm_no_judging"},
		{"SurveyOnATaskItem", map[string]any{"item_id": itemID(t, l, "XZ-21"), "kind": "survey"}, "rule.adm_kind_item"},
		{"NoKindNoItem", map[string]any{}, "rule.adm_kind_required"},
	} {
		body := map[string]any{"title": "排查", "target": apptest.CommunityA, "starts_on": "2026-11-27", "due_on": "2026-11-30"}
		for k, v := range tt.body {
			body[k] = v
		}
		if r := dept.API("POST", "/api/v1/admission/requests", body); r.StatusCode != 422 || rule(r) != tt.rule {
			t.Errorf("%s: %d %s, want %s", tt.name, r.StatusCode, r.Body, tt.rule)
		}
	}
	if r := dept.Get("/api/v1/admission/requests"); !strings.Contains(r.Body, `"total":0`) {
		t.Fatalf("a bad request was filed: %s", r.Body)
	}
	// The assessment riding on a task item counts against the department
	// as an assessment no item allows.
	var rep admission.Report
	e.Login("district").Get("/api/v1/admission/burden?month=2026-11").JSON(t, &rep)
	if rep.Total.N["refused"] != 1 {
		t.Errorf("refusals counted: %d, want the assessment's 1", rep.Total.N["refused"])
	}

	// File names.
	var req admission.Request
	dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "入户宣传", "item_id": itemID(t, l, "XZ-21"), "target": apptest.CommunityA,
		"starts_on": "2026-11-27", "due_on": "2026-12-31"}).JSON(t, &req)
	for _, tt := range []struct{ name, file, rule string }{
		{"OnlyAnExtension", ".pdf", "rule.adm_file_name"},
		{"DotsBeforeIt", "...pdf", "rule.adm_file_name"},
		{"ReversedToLookLikeAPhoto", "ok\u202egpj.pdf", "rule.bidi_control"},
	} {
		r := dept.Do("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/files?name="+url.QueryEscape(tt.file), bytes.NewReader(pdfFile),
			http.Header{"X-CSRF-Token": {dept.CSRF()}})
		if r.StatusCode != 422 || rule(r) != tt.rule {
			t.Errorf("%s: %d %s, want %s", tt.name, r.StatusCode, r.Body, tt.rule)
		}
	}

	// A review note beyond its length.
	sec := e.Login("secretary")
	task := declineFirst(t, sec)
	if r := e.Login("district").API("POST", "/api/v1/admission/tasks/"+task+"/review", map[string]any{"approve": false, "note": strings.Repeat("长", 2001)}); r.StatusCode != 422 || rule(r) != "rule.max_length" {
		t.Errorf("a review note of 2,001 characters: %d %s", r.StatusCode, r.Body)
	}
}

// TestAtOnce: two approvers reviewing one decline at once, or a
// department sending many files at once, get one review and at most
// five files; the figures count the review once.
func TestAtOnce(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	dept := e.Login("dept")
	var req admission.Request
	dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "入户宣传", "item_id": itemID(t, l, "XZ-21"), "target": apptest.CommunityA,
		"starts_on": "2026-11-27", "due_on": "2026-12-31"}).JSON(t, &req)
	got := parallel(10, func() apptest.Response {
		return dept.Do("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/files?name=a.pdf", bytes.NewReader(pdfFile), http.Header{"X-CSRF-Token": {dept.CSRF()}})
	})
	var files []admission.Attachment
	dept.Get("/api/v1/admission/requests/"+itoa(req.ID)+"/files").JSON(t, &files)
	if len(files) != admission.MaxFiles || got[201] != admission.MaxFiles {
		t.Errorf("ten files at once: %d stored, answers %v", len(files), got)
	}

	sec := e.Login("secretary")
	task := declineFirst(t, sec)
	district := e.Login("district")
	got = parallel(8, func() apptest.Response {
		return district.API("POST", "/api/v1/admission/tasks/"+task+"/review", map[string]any{"approve": false, "note": "应当办理"})
	})
	if got[200] != 1 || got[409] != 7 {
		t.Errorf("eight reviews at once: %v, want one 200 and seven 409", got)
	}
	if p := sec.Get("/admission/tasks/" + task); !strings.Contains(p.Body, `id="task-review"`) || !strings.Contains(p.Body, "应当办理") {
		t.Error("the reopened task does not say who overruled the decline and why")
	}
	var rep admission.Report
	sec.Get("/api/v1/admission/burden?month=2026-11").JSON(t, &rep)
	if rep.Total.N["declined"] != 0 {
		t.Errorf("the overruled decline counts %d, want 0", rep.Total.N["declined"])
	}
}

// TestCommunitySeesWhatReachedIt: an off-list request to a subdistrict
// is the approver's to see while it waits, and its communities' only
// once approved; a refused one never reaches them.
func TestCommunitySeesWhatReachedIt(t *testing.T) {
	e := apptest.New(t)
	publishStarter(t, e)
	dept := e.Login("dept")
	file := func(title string) admission.Request {
		t.Helper()
		var r admission.Request
		res := dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": title, "kind": "form", "target": apptest.SubA,
			"starts_on": "2027-02-01", "due_on": "2027-02-28"})
		if res.StatusCode != 201 {
			t.Fatalf("%s: %d %s", title, res.StatusCode, res.Body)
		}
		res.JSON(t, &r)
		return r
	}
	waiting, refused := file("商户统计"), file("重复统计")
	district, sec := e.Login("district"), e.Login("secretary")
	district.API("POST", "/api/v1/admission/requests/"+itoa(refused.ID)+"/decision", map[string]any{"approve": false, "note": "已有数据"})
	for _, r := range []admission.Request{waiting, refused} {
		if g := sec.Get("/api/v1/admission/requests/" + itoa(r.ID)); g.StatusCode != 404 {
			t.Errorf("the community reads the %s request %q: %d", r.Status, r.Title, g.StatusCode)
		}
		if g := district.Get("/api/v1/admission/requests/" + itoa(r.ID)); g.StatusCode != 200 {
			t.Errorf("the approver reads %q: %d", r.Title, g.StatusCode)
		}
	}
	if g := sec.Get("/api/v1/admission/requests"); !strings.Contains(g.Body, `"total":0`) {
		t.Errorf("the community's list shows what has not reached it: %s", g.Body)
	}
	district.API("POST", "/api/v1/admission/requests/"+itoa(waiting.ID)+"/decision", map[string]any{"approve": true, "note": "同意"})
	if g := sec.Get("/api/v1/admission/requests/" + itoa(waiting.ID)); g.StatusCode != 200 {
		t.Errorf("the community reads the approved request: %d", g.StatusCode)
	}
	if g := sec.Get("/api/v1/admission/requests"); !strings.Contains(g.Body, `"total":1`) {
		t.Errorf("the community's list after approval: %s", g.Body)
	}
}
