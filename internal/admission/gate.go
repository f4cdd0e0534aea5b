package admission

import (
	"time"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/workday"
)

// Ask is a request as the gate weighs it: who asks, what for, from when,
// and what the list in force at filing says of the item it cites.
type Ask struct {
	Department string // the asking department's name
	Kind       string // what is asked: one of Kinds
	// Item is the item cited (nil: off the list); InForce reports that
	// it belongs to a version in force for every community asked.
	Item    *Item
	InForce bool
	// Emergency is one of Emergencies ("" none) with its Reason.
	Emergency, Reason string
	StartsOn          string    // YYYY-MM-DD
	Filed             time.Time // now
	InArea            bool      // every community asked lies in the department's area
}

// Decision is what the gate makes of an Ask.
type Decision struct {
	// Status: admitted (passes at once: a listed item, or an emergency) or
	// pending (off the list, for the approver until DecideBy).
	Status   string
	DecideBy time.Time
	// Rule names why: the item, the emergency, or the approval needed.
	Rule string
}

// The statuses of a request. Stored; do not rename.
const (
	Admitted = "admitted"
	Pending  = "pending"
	Approved = "approved"
	Refused  = "refused"
)

// Refusal is an error of the gate: the field asked about, the rule (a
// message key) and its parameter. A refusal of a kind the figures count
// against the department (a negative-list item, an assessment no item
// allows) says so in Counted.
type Refusal struct {
	Field, Rule, Param string
	Counted            bool
}

func (r *Refusal) Error() string { return r.Rule }

// Err is the refusal as the field error pages and the API show.
func (r *Refusal) Err() error { return errs.Field(r.Field, r.Rule, r.Param) }

// Decide applies the gate's rules to a, with the calendar's working days
// and the settings' periods, and returns the decision or the refusal. It
// reads nothing: the caller has found the item and the area.
func Decide(cal *workday.Calendar, st Settings, a Ask) (Decision, *Refusal) {
	if !a.InArea {
		return Decision{}, &Refusal{Field: "target", Rule: "rule.adm_outside_area"}
	}
	filedDay := a.Filed.In(cal.Location()).Format(time.DateOnly)
	if a.Item != nil {
		it := a.Item
		switch {
		case !a.InForce:
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_item_not_in_force", Param: it.Code}
		case it.Section == "negative":
			// Never handed to communities: say who does it instead.
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_negative", Param: it.Instead, Counted: true}
		case it.Section == "certificate":
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_certificate_item", Param: it.Code}
		case it.Expired(filedDay):
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_item_expired", Param: it.ExpiresOn}
		case it.Department != "" && !it.IssuedBy(a.Department):
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_item_other_department", Param: it.Department}
		case it.Department == "":
			// The community's own duties are no department's to hand down.
			return Decision{}, &Refusal{Field: "item", Rule: "rule.adm_item_community_own", Param: it.Code}
		case a.Kind != "" && a.Kind != it.Kind && oneOf(a.Kind, judging):
			// An assessment riding on an item that allows a task is an
			// assessment no item allows.
			return Decision{}, &Refusal{Field: "kind", Rule: "rule.adm_no_judging", Counted: true}
		case a.Kind != "" && a.Kind != it.Kind:
			return Decision{}, &Refusal{Field: "kind", Rule: "rule.adm_kind_item"}
		}
		return Decision{Status: Admitted, Rule: "gate.listed"}, nil
	}
	if a.Emergency != "" {
		if !oneOf(a.Emergency, Emergencies) {
			return Decision{}, &Refusal{Field: "emergency", Rule: "rule.one_of", Param: "life_property, public_safety, public_health"}
		}
		if a.Reason == "" {
			return Decision{}, &Refusal{Field: "emergency_reason", Rule: "rule.adm_emergency_reason"}
		}
		return Decision{Status: Admitted, Rule: "gate.emergency"}, nil
	}
	if oneOf(a.Kind, judging) {
		// Departments may not assess, inspect or rank communities on
		// their own (郑州二七区); only an item of the list allows it.
		return Decision{}, &Refusal{Field: "kind", Rule: "rule.adm_no_judging", Counted: true}
	}
	if earliest := cal.AddDays(a.Filed, st.LeadDays).In(cal.Location()).Format(time.DateOnly); a.StartsOn < earliest {
		return Decision{}, &Refusal{Field: "starts_on", Rule: "rule.adm_lead_time", Param: earliest}
	}
	return Decision{Status: Pending, DecideBy: cal.AddDays(a.Filed, st.DecideDays).UTC(), Rule: "gate.off_list"}, nil
}
