package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/pii"
)

// personSubject names a person's key in the audit log.
func personSubject(id int64) string { return "person:" + strconv.FormatInt(id, 10) }

// auditPerson is a person as audit records hold them: what identifies the
// person — name, masked ID number and phone, birth date — is sealed under
// the person's own audit key, which moving out destroys; the rest is kept
// as it is, as the statistics keep it.
type auditPerson struct {
	ID          int64        `json:"id"`
	RegionCode  string       `json:"region_code"`
	HouseholdID int64        `json:"household_id,omitempty"`
	Name        audit.Sealed `json:"name"`
	IDMasked    audit.Sealed `json:"id_masked"`
	PhoneMasked audit.Sealed `json:"phone_masked"`
	BirthDate   audit.Sealed `json:"birth_date"`
	Sex         string       `json:"sex"`
	Relation    string       `json:"relation"`
	Residence   Residence    `json:"residence"`
	Tags        []string     `json:"tags"`
	MovedOutAt  *time.Time   `json:"moved_out_at,omitempty"`
	Version     int          `json:"version"`
}

// forAudit seals p's personal values for an audit record written in tx.
func (s *Service) forAudit(ctx context.Context, tx *db.Tx, p *Person) (*auditPerson, error) {
	k, err := audit.SubjectSealer(ctx, tx, s.keys, personSubject(p.ID))
	if err != nil {
		return nil, err
	}
	return &auditPerson{ID: p.ID, RegionCode: p.RegionCode, HouseholdID: p.HouseholdID,
		Name: k.Seal(p.Name, audit.MaskName), IDMasked: k.Seal(p.IDMasked, audit.MaskKept), PhoneMasked: k.Seal(p.PhoneMasked, audit.MaskKept),
		BirthDate: k.Seal(p.BirthDate, audit.MaskYear), Sex: p.Sex, Relation: p.Relation, Residence: p.Residence, Tags: p.Tags,
		MovedOutAt: p.MovedOutAt, Version: p.Version}, nil
}

// maskedQuery is a list query as audit records keep it: the search words
// (a name, an ID number, a phone) masked, since no subject's key covers
// them.
func maskedQuery(raw string) string {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return ""
	}
	if q := strings.TrimSpace(v.Get("q")); q != "" {
		switch {
		case len(q) == 18:
			q = pii.MaskID(q)
		case pii.ValidPhone(q):
			q = pii.MaskPhone(q)
		case !looksLikeAddress(q):
			q = pii.MaskName(q)
		}
		v.Set("q", q)
	}
	return v.Encode()
}

// A change's audit record holds what changed, not the whole record: the
// names of the changed fields (detail "changed") and, in before and
// after, the old and new values of just those fields, with the version
// and whatever names the record (a person's name, sealed).

// jsonFields is v as its JSON object's fields.
func jsonFields(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("registry: audit fields: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("registry: audit fields: %w", err)
	}
	return m, nil
}

// changedFields names the JSON fields whose values differ between before
// and after, in order, leaving out ignore (counts and times that no edit
// sets).
func changedFields(before, after any, ignore ...string) ([]string, error) {
	b, err := jsonFields(before)
	if err != nil {
		return nil, err
	}
	a, err := jsonFields(after)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{"version": true, "created_at": true}
	for _, k := range ignore {
		skip[k] = true
	}
	var out []string
	for k, v := range a {
		if !skip[k] && !bytes.Equal(b[k], v) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// pickFields is v's JSON fields named by fields, and version.
func pickFields(v any, fields ...string) (map[string]json.RawMessage, error) {
	m, err := jsonFields(v)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, f := range append(fields, "version") {
		if x, ok := m[f]; ok {
			out[f] = x
		}
	}
	return out, nil
}

// changeEntry is the audit entry of a change of an unsealed record:
// before and after hold the changed fields only.
func changeEntry(action, objectType string, id int64, region string, before, after any, detail map[string]any, ignore ...string) (audit.Entry, error) {
	changed, err := changedFields(before, after, ignore...)
	if err != nil {
		return audit.Entry{}, err
	}
	e := audit.Entry{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Region: region}
	if e.Before, err = pickFields(before, changed...); err != nil {
		return e, err
	}
	if e.After, err = pickFields(after, changed...); err != nil {
		return e, err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["changed"] = changed
	e.Detail = detail
	return e, nil
}
