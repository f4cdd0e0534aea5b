package registry

import (
	"context"
	"net/url"
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
