package cases_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestCatalogueProblemsCapped: a catalogue wrong in every one of its 500
// categories names the first MaxCatalogueProblems problems, on the import
// page and in the API's answer, and says how many more there are.
func TestCatalogueProblemsCapped(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	var cats []map[string]any
	for range 500 {
		cats = append(cats, map[string]any{"code": "x", "name": "坏分类"})
	}
	doc := map[string]any{"defaults": map[string]any{"accept": "2h", "register": "1d", "dispatch": "1d", "respond": "2h", "handle": "5d", "verify": "2d", "close": "1d"},
		"categories": cats}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r := city.Upload("/cases/catalogue/import", "catalogue.json", body, nil)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d %s", r.StatusCode, r.Body)
	}
	list := r.Body[strings.Index(r.Body, `id="catalogue-errors"`):]
	list = list[:strings.Index(list, "</ul>")]
	if n := strings.Count(list, "<li>"); n != cases.MaxCatalogueProblems+1 || !strings.Contains(list, "另有 300 处问题未列出") {
		t.Errorf("the import page lists %d problems, want %d and a line for the 300 more: %.500s", n, cases.MaxCatalogueProblems+1, list)
	}
	var in any
	_ = json.Unmarshal(body, &in)
	a := city.API("PUT", "/api/v1/case-catalogue", in)
	var problem struct {
		Errors []struct{ Field, Rule, Message string } `json:"errors"`
	}
	a.JSON(t, &problem)
	if n := len(problem.Errors); a.StatusCode != http.StatusUnprocessableEntity || n != cases.MaxCatalogueProblems+1 ||
		problem.Errors[n-1].Rule != "more_problems" || !strings.Contains(problem.Errors[n-1].Message, "300 more problems") {
		t.Errorf("the API names %d problems, want %d and the count of the rest: %d %s", n, cases.MaxCatalogueProblems+1, a.StatusCode, a.Body[max(0, len(a.Body)-400):])
	}
}
