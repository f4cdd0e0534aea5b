package cases

import (
	"encoding/json"
	"slices"

	"grassroots/internal/platform/authz"
)

// readsPublic reports whether a reads a case as the public does: the
// reporter (a resident, a Party member) or nobody signed in. They read
// the public entries of its timeline only, and no staff names.
func readsPublic(a *authz.Actor) bool {
	return a == nil || !a.Can(PermView) && !a.Scope.All
}

// publicNotes are the actions whose note is written for anyone who
// follows a request over Open311: a reply, and what a grid worker did
// about a problem fixed on the spot.
var publicNotes = []string{"reply", "self_handle"}

// publicEvents is the timeline as the reporter reads it: the public
// entries only (every change of status, replies), each with its note and
// its photos (how the case was handled, why it was closed), who acted
// named by their side (community, handling unit …), never by name; no
// internal entries, no details but the reason a report was not taken up.
func publicEvents(evs []Event) []Event {
	out := []Event{}
	for _, e := range evs {
		if !e.Public {
			continue
		}
		p := Event{ID: e.ID, CaseID: e.CaseID, Action: e.Action, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			ActorRole: sideOf(e.ActorRole), At: e.At, Public: true, Note: e.Note, PhotoIDs: e.PhotoIDs}
		if e.Action == "reject" {
			for _, d := range e.Details() {
				if d.Key == "reason" {
					b, _ := json.Marshal(map[string]string{"reason": d.Value})
					p.Detail = string(b)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// Sides name who acted on a case without naming a person: what the public
// timeline shows instead of a name. Stored values of no table; message
// keys who.*.
var Sides = []string{"reporter", "community", "subdistrict", "district", "city", "department", "property", "system"}

// sideOf is the side an actor of role acts for.
func sideOf(role string) string {
	switch authz.Role(role) {
	case authz.RoleResident, authz.RolePartyMember:
		return "reporter"
	case authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker:
		return "community"
	case authz.RoleSubdistrictStaff:
		return "subdistrict"
	case authz.RoleDistrictStaff:
		return "district"
	case authz.RoleCityAdmin:
		return "city"
	case authz.RoleDepartmentStaff:
		return "department"
	case authz.RolePropertyCompany:
		return "property"
	}
	return "system"
}

// forPublic clears what only staff read of a case: a unit's reason for
// more time, and supervision from above.
func (c *Case) forPublic() {
	c.ExtensionReason, c.ExtensionAsked, c.Supervised = "", 0, false
}

// Excerpt is the start of the case's description, for lists.
func (c *Case) Excerpt() string { return excerpt(c.Description, 40) }

// partyActions are the timeline entries about one department's call on
// a whistle: its own steps (报到, 到场, 反馈, each with what it noted) and
// the community's withdrawal or replacement of the call, with the reason.
// The call itself (whistle) and the withdrawal of a whole whistle are the
// whistle's, which every department reading the case reads in its
// whistle record too.
var partyActions = []string{"whistle_report", "whistle_arrive", "whistle_feedback", "whistle_withdraw", "whistle_replace"}

// ownEvents is the timeline as department staff (scope sc) read it: a
// department reads the entries of its own call on a whistle (partyActions),
// not those of the other departments' calls (as its whistle record shows
// its own call only: ownParties); a property company, no department's,
// reads none of them (what a department fed back is not its to read);
// the community and the levels above read every entry. ws are the case's
// whistles as sc reads them, whose parties name the department; an entry
// recorded before it carried the department's id is told by its name.
func ownEvents(sc authz.Scope, evs []Event, ws []*Whistle) []Event {
	if sc.Department == 0 && !sc.PropertyOnly {
		return evs
	}
	var names, wholeReasons []string
	for _, w := range ws {
		for _, p := range w.Parties {
			if p.DeptID == sc.Department {
				names = append(names, p.DeptName)
			}
		}
		if w.Withdrawn() {
			wholeReasons = append(wholeReasons, w.WithdrawReason)
		}
	}
	return slices.DeleteFunc(slices.Clone(evs), func(e Event) bool {
		if !slices.Contains(partyActions, e.Action) {
			return false
		}
		var d struct {
			Department   string `json:"department"`
			DepartmentID int64  `json:"department_id"`
			ReplacedBy   string `json:"replaced_by"`
			ReplacedByID int64  `json:"replaced_by_id"`
		}
		if json.Unmarshal([]byte(e.Detail), &d) != nil {
			return true
		}
		if d.DepartmentID != 0 || d.ReplacedByID != 0 {
			// A property company (no department) is neither.
			return sc.Department == 0 || d.DepartmentID != sc.Department && d.ReplacedByID != sc.Department
		}
		// A whole whistle withdrawn is the whistle's entry: its reason is
		// shown with the whistle (a call withdrawn alone carries the
		// department's id, or, recorded before it did, one name).
		if e.Action == "whistle_withdraw" && slices.Contains(wholeReasons, e.Note) {
			return false
		}
		for _, n := range []string{d.Department, d.ReplacedBy} {
			if n != "" && slices.Contains(names, n) {
				return false
			}
		}
		return true
	})
}
