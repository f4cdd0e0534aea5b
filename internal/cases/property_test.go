package cases_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestPropertyCompanySeesOnlyItsWork: a property company reads and handles
// the cases dispatched to it, not another company's nor the community's
// other cases (private complaints included), and cannot act as the
// community.
func TestPropertyCompanySeesOnlyItsWork(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	sec := e.Login("secretary")
	mk := func(desc string) cases.Case {
		in := MustReport(t, sec, map[string]any{"category": "0601", "description": desc, "lon": p[0], "lat": p[1]})
		c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
		return c
	}
	forProperty := mk("电梯故障，请物业维修")
	forProperty = MustMove(t, sec, forProperty.ID, cases.Move{Action: "dispatch", Version: forProperty.Version, UnitKind: "property", UnitName: apptest.PropertyCompany}, 200)
	otherCompany := mk("楼道灯不亮，请另一家物业处理")
	otherCompany = MustMove(t, sec, otherCompany.ID, cases.Move{Action: "dispatch", Version: otherCompany.Version, UnitKind: "property", UnitName: "乙方物业"}, 200)
	community := mk("楼上住户漏水纠纷，三楼")
	community = MustMove(t, sec, community.ID, cases.Move{Action: "dispatch", Version: community.Version, UnitKind: "community"}, 200)

	prop := e.Login("property")
	var list struct{ Items []cases.Case }
	prop.Get("/api/v1/cases?limit=100").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != forProperty.ID {
		t.Fatalf("a property company lists %+v, want only the case dispatched to it", list.Items)
	}
	if r := prop.Get("/api/v1/cases/" + itoa(community.ID)); r.StatusCode != 404 || strings.Contains(r.Body, "漏水") {
		t.Errorf("a property company reads the community's case: %d", r.StatusCode)
	}
	MustMove(t, prop, community.ID, cases.Move{Action: "handle", Version: community.Version, Note: "已处理"}, 404)
	MustMove(t, prop, otherCompany.ID, cases.Move{Action: "acknowledge", Version: otherCompany.Version}, 404)
	MustMove(t, prop, forProperty.ID, cases.Move{Action: "acknowledge", Version: forProperty.Version}, 200)
	// The community side cannot handle what the property company must.
	if r := prop.Get("/cases/dashboard"); r.StatusCode != 200 || strings.Contains(r.Body, "漏水") {
		t.Errorf("property dashboard: %d", r.StatusCode)
	}
}
