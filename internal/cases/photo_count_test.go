package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestTooManyPhotosRefusedUndecoded: seven photos are refused as too many
// photos, before any of them is decoded, on every form and API that takes
// them: the answer names the count rule and none of the rules a decoded
// photo breaks (these are not images at all), and nothing is filed.
func TestTooManyPhotosRefusedUndecoded(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	seven := map[string][]byte{}
	var sevenAPI [][]byte
	for i := range cases.MaxPhotos + 1 {
		seven["p"+strconv.Itoa(i)+".png"] = []byte("not an image at all")
		sevenAPI = append(sevenAPI, []byte("not an image at all"))
	}
	countError := regexp.MustCompile(`class="field-error"[^>]*>[^<]*最多 6 张<`)
	refused := func(name string, r apptest.Response) {
		t.Helper()
		if r.StatusCode != http.StatusUnprocessableEntity || !countError.MatchString(r.Body) || strings.Contains(r.Body, "只接受图片") {
			t.Errorf("%s: %d, want 422 naming at most 6 photos and no photo type: %s", name, r.StatusCode, r.Body)
		}
	}
	resident, grid, sec := e.Login("resident"), e.Login("grid"), e.Login("secretary")
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	before := auditCount(t, e)

	fields := url.Values{"category": {"0303"}, "description": {"路灯不亮"}, "lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}}
	refused("POST /cases", postMultipart(resident, "/cases", fields, seven))

	sh := url.Values{"category": {"0101"}, "description": {"楼道口堆放的垃圾袋"}, "handled": {"已清理"}, "lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}}
	refused("POST /cases/self-handle", postMultipart(grid, "/cases/self-handle", sh, seven))

	r := grid.API("POST", "/api/v1/cases/self-handled", map[string]any{"category": "0101", "description": "楼道口堆放的垃圾袋", "handled": "已清理",
		"lon": p[0], "lat": p[1], "photos": sevenAPI})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"rule":"photo_count"`) || strings.Contains(r.Body, "photo_type") {
		t.Errorf("POST /api/v1/cases/self-handled: %d, want 422 photo_count only: %s", r.StatusCode, r.Body)
	}
	act := url.Values{"action": {"reply"}, "note": {"已联系维修"}, "version": {strconv.Itoa(in.Case.Version)}}
	refused("POST /cases/{id}/act", postMultipart(sec, "/cases/"+itoa(in.Case.ID)+"/act", act, seven))
	if n := auditCount(t, e); n != before {
		t.Errorf("refused photos wrote %d audit entries", n-before)
	}
	var d cases.CaseDetail
	sec.Get("/api/v1/cases/"+itoa(in.Case.ID)).JSON(t, &d)
	if len(d.Events) != 1 {
		t.Errorf("the reply with seven photos was recorded: %+v", d.Events)
	}
}
