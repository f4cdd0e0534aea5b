package admission

import (
	"testing"
	"time"

	"grassroots/internal/platform/workday"
)

func calendar(t testing.TB) *workday.Calendar {
	c, err := workday.Shanghai()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGateRules: each rule of the gate, with the reason it gives.
func TestGateRules(t *testing.T) {
	cal := calendar(t)
	st := Settings{LeadDays: 30, DecideDays: 15}
	// Thursday 2026-11-26, 10:00 CST.
	filed := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	listed := &Item{Code: "XZ-01", Section: "assist", Department: "民政局", Kind: "task"}
	ahead := "2027-01-15" // more than 30 working days after
	for _, tt := range []struct {
		name   string
		ask    Ask
		status string
		rule   string
	}{
		{"Listed", Ask{Department: "甲区民政局", Item: listed, InForce: true, InArea: true, StartsOn: "2026-11-27"}, Admitted, "gate.listed"},
		{"OtherDepartmentsItem", Ask{Department: "甲区城市管理局", Item: listed, InForce: true, InArea: true, StartsOn: "2026-11-27"}, "", "rule.adm_item_other_department"},
		{"NotInForce", Ask{Department: "甲区民政局", Item: listed, InArea: true, StartsOn: "2026-11-27"}, "", "rule.adm_item_not_in_force"},
		{"Expired", Ask{Department: "甲区民政局", Item: &Item{Code: "X", Section: "assist", Department: "民政局", ExpiresOn: "2026-11-01"}, InForce: true, InArea: true, StartsOn: ahead}, "", "rule.adm_item_expired"},
		{"Negative", Ask{Department: "甲区民政局", Item: &Item{Code: "FM-01", Section: "negative", Instead: "职能部门"}, InForce: true, InArea: true, StartsOn: ahead}, "", "rule.adm_negative"},
		{"CertificateItem", Ask{Department: "甲区民政局", Item: &Item{Code: "ZM-01", Section: "certificate"}, InForce: true, InArea: true, StartsOn: ahead}, "", "rule.adm_certificate_item"},
		{"CommunityOwnDuty", Ask{Department: "甲区民政局", Item: &Item{Code: "LZ-01", Section: "duty"}, InForce: true, InArea: true, StartsOn: ahead}, "", "rule.adm_item_community_own"},
		{"OutsideArea", Ask{Department: "甲区民政局", Item: listed, InForce: true, StartsOn: ahead}, "", "rule.adm_outside_area"},
		{"Assessment", Ask{Department: "甲区民政局", Kind: "assessment", InArea: true, StartsOn: ahead}, "", "rule.adm_no_judging"},
		{"Inspection", Ask{Department: "甲区民政局", Kind: "inspection", InArea: true, StartsOn: ahead}, "", "rule.adm_no_judging"},
		{"TooSoon", Ask{Department: "甲区民政局", Kind: "form", InArea: true, StartsOn: "2026-12-20"}, "", "rule.adm_lead_time"},
		{"OffListAhead", Ask{Department: "甲区民政局", Kind: "form", InArea: true, StartsOn: ahead}, Pending, "gate.off_list"},
		{"Emergency", Ask{Department: "甲区民政局", Kind: "inspection", Emergency: "public_safety", Reason: "燃气泄漏", InArea: true, StartsOn: "2026-11-26"}, Admitted, "gate.emergency"},
		{"EmergencyWithoutReason", Ask{Department: "甲区民政局", Kind: "task", Emergency: "public_safety", InArea: true, StartsOn: "2026-11-26"}, "", "rule.adm_emergency_reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.ask.Filed = filed
			d, ref := Decide(cal, st, tt.ask)
			switch {
			case tt.status == "" && ref == nil:
				t.Fatalf("passed as %s, want refused by %s", d.Status, tt.rule)
			case tt.status == "" && ref.Rule != tt.rule:
				t.Fatalf("refused by %s, want %s", ref.Rule, tt.rule)
			case tt.status != "" && ref != nil:
				t.Fatalf("refused by %s, want %s", ref.Rule, tt.status)
			case tt.status != "" && (d.Status != tt.status || d.Rule != tt.rule):
				t.Fatalf("%s by %s, want %s by %s", d.Status, d.Rule, tt.status, tt.rule)
			}
		})
	}
	// The earliest start is named, and is 30 working days on: Thursday
	// 26 November plus 30 working days (no holidays known) is Thursday
	// 7 January.
	_, ref := Decide(cal, st, Ask{Department: "甲区民政局", Kind: "form", InArea: true, StartsOn: "2026-12-20", Filed: filed})
	if ref.Param != "2027-01-07" {
		t.Errorf("earliest start %s, want 2027-01-07", ref.Param)
	}
	// The approver's deadline is 15 working days on, at close of business.
	d, _ := Decide(cal, st, Ask{Department: "甲区民政局", Kind: "form", InArea: true, StartsOn: ahead, Filed: filed})
	if got := d.DecideBy.In(cal.Location()).Format("2006-01-02"); got != "2026-12-17" {
		t.Errorf("decide by %s, want 2026-12-17", got)
	}
	// Counted against the department: negative items and judging.
	for _, a := range []Ask{
		{Department: "甲区民政局", Item: &Item{Code: "FM-01", Section: "negative", Instead: "x"}, InForce: true, InArea: true},
		{Department: "甲区民政局", Kind: "assessment", InArea: true},
	} {
		a.Filed = filed
		if _, ref := Decide(cal, st, a); ref == nil || !ref.Counted {
			t.Errorf("%+v: not counted against the department", a)
		}
	}
}

// BenchmarkDecide is the gate's decision alone (the anchor: under
// 1 ms): the rules over an item already found.
func BenchmarkDecide(b *testing.B) {
	cal := calendar(b)
	st := Settings{LeadDays: 30, DecideDays: 15}
	filed := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	asks := []Ask{
		{Department: "甲区民政局", Item: &Item{Code: "XZ-01", Section: "assist", Department: "民政局"}, InForce: true, InArea: true, StartsOn: "2026-11-27", Filed: filed},
		{Department: "甲区民政局", Kind: "form", InArea: true, StartsOn: "2027-02-01", Filed: filed},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Decide(cal, st, asks[i%2])
	}
}
