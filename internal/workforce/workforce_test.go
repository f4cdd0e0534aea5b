package workforce_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/workforce"
)

// TestWorkersAndStaffing: a community's workers are listed to it and
// not to a neighbour; the staffing check asks 18 workers per 10,000
// residents and counts the shortfall; the reserve pool
// takes a candidate; the page shows it all by name.
func TestWorkersAndStaffing(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	r := sec.API("POST", "/api/v1/workforce/workers", map[string]any{"region_code": apptest.CommunityA, "name": "王社工", "post": "social_worker",
		"certificate": "assistant", "education": "bachelor", "training_hours": 20})
	if r.StatusCode != 201 {
		t.Fatalf("add worker: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/workforce/workers", map[string]any{"region_code": apptest.CommunityB, "name": "越界", "post": "social_worker",
		"certificate": "none", "education": "bachelor"}); r.StatusCode != 422 {
		t.Errorf("a worker added in another community: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/workforce/workers", map[string]any{"region_code": apptest.CommunityA, "name": "王社工", "post": "chief"}); r.StatusCode != 422 ||
		!strings.Contains(r.Body, `"field":"post"`) {
		t.Errorf("an unknown post: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Login("worker").Get("/api/v1/workforce/workers?region=" + apptest.CommunityA); strings.Contains(r.Body, "王社工") {
		t.Error("a neighbour community lists the workers")
	}
	var st struct {
		Total    workforce.Staffing   `json:"total"`
		Children []workforce.Staffing `json:"children"`
	}
	r = e.Login("subdistrict").Get("/api/v1/workforce/staffing/" + apptest.SubA)
	if r.StatusCode != 200 {
		t.Fatalf("staffing: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &st)
	if st.Total.Workers != 1 || st.Total.Shortfall != max(0, st.Total.Required-st.Total.Workers) || st.Total.Certified != 1 {
		t.Errorf("staffing of the subdistrict: %+v", st.Total)
	}
	if r := sec.API("POST", "/api/v1/workforce/reserve", map[string]any{"region_code": apptest.CommunityA, "name": "李后备", "current_post": "委员",
		"score": 88, "status": "candidate"}); r.StatusCode != 201 {
		t.Errorf("reserve candidate: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Get("/workforce"); r.StatusCode != 200 || !strings.Contains(r.Body, "王社工") || !strings.Contains(r.Body, "李后备") {
		t.Errorf("workforce page: %d", r.StatusCode)
	}
}
