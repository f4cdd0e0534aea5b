package cases_test

import (
	"bytes"
	"net/http"
	"path"
	"testing"

	"grassroots/internal/apptest"
)

// TestPhotoWithoutEntryInternal: a photo staff add to a case outside any
// entry of its timeline is internal evidence: the reporter cannot open
// it, the staff who manage the case can.
func TestPhotoWithoutEntryInternal(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident, sec := e.Login("resident"), e.Login("secretary")
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	r := sec.Do("POST", "/api/v1/cases/"+itoa(in.Case.ID)+"/photos", bytes.NewReader(pngBytes()),
		http.Header{"Content-Type": {"image/png"}, "X-CSRF-Token": {sec.CSRF()}})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("staff add a photo: %d %s", r.StatusCode, r.Body)
	}
	photo := r.Header.Get("Location")
	if path.Dir(photo) != "/cases/"+itoa(in.Case.ID)+"/photos" {
		t.Fatalf("photo location %q", photo)
	}
	if g := sec.Get(photo); g.StatusCode != http.StatusOK {
		t.Errorf("the secretary opens the evidence: %d", g.StatusCode)
	}
	if g := resident.Get(photo); g.StatusCode != http.StatusNotFound {
		t.Errorf("the reporter opens staff evidence added without an entry: %d, want 404", g.StatusCode)
	}
}
