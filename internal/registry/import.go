package registry

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// PeopleHeader is the header of the people import and export files, in
// Chinese as the people who fill them in expect.
var PeopleHeader = []string{"姓名", "身份证号", "手机号", "与户主关系", "人口类型", "标签", "住址", "网格代码", "房屋用途"}

// Labels the files use for the stored values.
var (
	relationLabels  = map[string]string{"户主": "head", "配偶": "spouse", "子女": "child", "父母": "parent", "孙子女": "grandchild", "兄弟姐妹": "sibling", "其他": "other"}
	residenceLabels = map[string]string{"户籍": "registered", "常住": "permanent", "流动": "floating"}
	tagLabels       = map[string]string{"独居老人": "elderly_alone", "残疾人": "disability", "低保": "subsistence", "退役军人": "veteran", "留守儿童": "left_behind_child", "重点关爱": "key_care", "党员": "party_member"}
	useLabels       = map[string]string{"自住": "self_occupied", "出租": "rented", "空置": "vacant"}
)

func label(m map[string]string, v string) string {
	for k, x := range m {
		if x == v {
			return k
		}
	}
	return v
}

// fromLabel accepts the Chinese label or the stored value.
func fromLabel(m map[string]string, v string) string {
	v = strings.TrimSpace(v)
	if x, ok := m[v]; ok {
		return x
	}
	return v
}

// RowError is one bad cell of an import.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Rule   string `json:"rule"`
	Param  string `json:"param,omitempty"`
}

// ImportReport tells what an import did.
type ImportReport struct {
	Rows          int        `json:"rows"`
	Created       int        `json:"created"`
	Updated       int        `json:"updated"`
	Unchanged     int        `json:"unchanged"`
	NewHouseholds int        `json:"new_households"`
	Errors        []RowError `json:"errors,omitempty"`
	Committed     bool       `json:"committed"`
}

// ImportOptions controls an import.
type ImportOptions struct {
	KeepGood bool
	Progress func(done, total int)
}

// ReadTable reads a CSV (UTF-8, with or without BOM) or .xlsx file into
// rows, the header first.
func ReadTable(name string, data []byte) ([][]string, error) {
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, errs.E(errs.Invalid, "err.xlsx", err.Error())
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.E(errs.Invalid, "err.xlsx", "no sheet")
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, errs.E(errs.Invalid, "err.xlsx", err.Error())
		}
		return rows, nil
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, errs.E(errs.Invalid, "err.csv", err.Error())
	}
	return rows, nil
}

type existingPerson struct {
	id                                                 int64
	name, phoneHash, relation, residence, tags, region string
	household                                          int64
}

// ImportPeople loads people from rows (PeopleHeader first). Every row is
// checked and every bad cell reported with its row and column; nothing is
// written if any row is bad unless KeepGood. Households are found or made
// by address. A person already registered (same ID number) is updated
// when something differs, so importing the same file twice changes
// nothing.
func (s *Service) ImportPeople(ctx context.Context, rows [][]string, opt ImportOptions) (ImportReport, error) {
	var rep ImportReport
	if len(rows) == 0 || !slices.Equal(trimAll(rows[0]), PeopleHeader) {
		return rep, errs.Field("header", "rule.csv_header", strings.Join(PeopleHeader, ","))
	}
	rows = rows[1:]
	rep.Rows = len(rows)
	sc := authz.ScopeFrom(ctx)
	regionOK := map[string]bool{}
	households := map[string]int64{} // address → id, filled lazily
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		ins, err := tx.PrepareContext(ctx, insertPersonSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		seen := map[string]int{} // id hash → first row, for duplicates inside the file
		for i, rec := range rows {
			rowNo := i + 2
			if opt.Progress != nil && (i%2000 == 0 || i == len(rows)-1) {
				opt.Progress(i+1, len(rows))
			}
			for len(rec) < len(PeopleHeader) {
				rec = append(rec, "")
			}
			var tags []string
			for _, t := range strings.FieldsFunc(rec[5], func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' }) {
				tags = append(tags, fromLabel(tagLabels, t))
			}
			region := strings.TrimSpace(rec[7])
			addr := strings.TrimSpace(rec[6])
			in := PersonInput{Name: rec[0], IDNumber: rec[1], Phone: rec[2], Relation: fromLabel(relationLabels, rec[3]),
				Residence: Residence(fromLabel(residenceLabels, rec[4])), Tags: tags, RegionCode: region}
			use := HouseUse(fromLabel(useLabels, rec[8]))
			if use == "" {
				use = SelfOccupied
			}
			var bad []RowError
			if _, known := regionOK[region]; !known {
				var fe errs.Fields
				s.checkRegion(ctx, &fe, region)
				regionOK[region] = len(fe) == 0
			}
			if !regionOK[region] {
				bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[7], Rule: "rule.grid_or_community", Param: region})
			}
			if addr == "" {
				bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[6], Rule: "rule.required"})
			}
			if !slices.Contains(HouseUses, use) {
				bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[8], Rule: "rule.one_of", Param: "自住, 出租, 空置"})
			}
			var fe errs.Fields
			idn, info := s.validatePerson(&fe, &in)
			for _, f := range fe {
				bad = append(bad, RowError{Row: rowNo, Column: column(f.Field), Rule: f.Rule, Param: f.Param})
			}
			var r personRow
			if len(bad) == 0 {
				if r, err = s.seal(in, idn, info); err != nil {
					return err
				}
			}
			if len(bad) == 0 {
				if first, dup := seen[r.idHash]; dup {
					bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[1], Rule: "rule.duplicate_row", Param: strconv.Itoa(first)})
				}
				seen[r.idHash] = rowNo
			}
			if len(bad) > 0 {
				rep.Errors = append(rep.Errors, bad...)
				continue
			}
			if len(rep.Errors) > 0 && !opt.KeepGood {
				continue // keep checking; nothing will be written
			}
			hid, err := s.householdFor(ctx, tx, sc, households, addr, region, use, &rep)
			if err != nil {
				var e *errs.Error
				if errors.As(err, &e) && e.Code == errs.Invalid {
					rep.Errors = append(rep.Errors, RowError{Row: rowNo, Column: PeopleHeader[6], Rule: "rule.household_elsewhere", Param: addr})
					continue
				}
				return err
			}
			r.householdID = hid
			if err := s.upsertImported(ctx, tx, ins, sc, r, &rep); err != nil {
				if errs.CodeOf(err) == errs.NotFound {
					rep.Errors = append(rep.Errors, RowError{Row: rowNo, Column: PeopleHeader[1], Rule: "rule.person_elsewhere"})
					continue
				}
				return err
			}
		}
		if len(rep.Errors) > 0 && !opt.KeepGood {
			return errImportRefused
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.person.import", ObjectType: "person", ObjectID: "*", Region: sc.Region,
			Detail: map[string]int{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "errors": len(rep.Errors)}})
	})
	if errors.Is(err, errImportRefused) {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, nil
	}
	if err != nil {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, err
	}
	rep.Committed = true
	return rep, nil
}

var errImportRefused = errors.New("import refused")

func trimAll(h []string) []string {
	out := make([]string, len(h))
	for i, x := range h {
		out[i] = strings.TrimSpace(strings.TrimPrefix(x, "\ufeff"))
	}
	return out
}

// column names the file column of a field.
func column(field string) string {
	switch field {
	case "name":
		return PeopleHeader[0]
	case "id_number":
		return PeopleHeader[1]
	case "phone":
		return PeopleHeader[2]
	case "relation":
		return PeopleHeader[3]
	case "residence":
		return PeopleHeader[4]
	case "tags":
		return PeopleHeader[5]
	case "region_code":
		return PeopleHeader[7]
	}
	return field
}

// householdFor finds the household at addr in scope or creates it.
func (s *Service) householdFor(ctx context.Context, tx *db.Tx, sc authz.Scope, cache map[string]int64, addr, region string, use HouseUse, rep *ImportReport) (int64, error) {
	if id, ok := cache[addr]; ok {
		return id, nil
	}
	var id int64
	var hregion string
	err := tx.QueryRowContext(ctx, `/* registry.householdFor */ SELECT id, region_code FROM registry_households WHERE address = ?`, addr).Scan(&id, &hregion)
	switch {
	case err == nil:
		if !sc.Contains(hregion) {
			return 0, errs.Field("address", "rule.household_elsewhere", addr)
		}
	case errors.Is(err, sql.ErrNoRows):
		h, err := insertHousehold(ctx, tx, Household{RegionCode: region, Address: addr, HouseUse: use})
		if err != nil {
			return 0, err
		}
		id = h.ID
		rep.NewHouseholds++
	default:
		return 0, fmt.Errorf("registry: household at %q: %w", addr, err)
	}
	cache[addr] = id
	return id, nil
}

// upsertImported inserts a new person or updates one already registered
// in the actor's scope; one registered elsewhere is not found.
func (s *Service) upsertImported(ctx context.Context, tx *db.Tx, ins *sql.Stmt, sc authz.Scope, r personRow, rep *ImportReport) error {
	var old existingPerson
	err := tx.QueryRowContext(ctx, `/* registry.upsertImported */ SELECT id, name, phone_hash, relation, residence, tags, region_code,
		COALESCE(household_id, 0) FROM registry_people WHERE id_hash = ?`, r.idHash).
		Scan(&old.id, &old.name, &old.phoneHash, &old.relation, &old.residence, &old.tags, &old.region, &old.household)
	if errors.Is(err, sql.ErrNoRows) {
		var id int64
		if err := ins.QueryRowContext(ctx, r.args(tx.Now())...).Scan(&id); err != nil {
			return fmt.Errorf("registry: insert person: %w", err)
		}
		rep.Created++
		return nil
	}
	if err != nil {
		return fmt.Errorf("registry: find person: %w", err)
	}
	if !sc.Contains(old.region) {
		return errs.NotFoundf("kind.person")
	}
	if old.name == r.name && old.phoneHash == r.phoneHash && old.relation == r.relation && old.residence == r.residence &&
		old.tags == r.tags && old.region == r.regionCode && old.household == r.householdID {
		rep.Unchanged++
		return nil
	}
	_, err = tx.ExecContext(ctx, `/* registry.upsertImported */ UPDATE registry_people SET name = ?, name_initials = ?, phone_enc = ?,
		phone_hash = ?, phone_masked = ?, relation = ?, residence = ?, tags = ?, region_code = ?, household_id = ?, updated_at = ?,
		version = version + 1 WHERE id = ?`, r.name, r.initials, r.phoneEnc, r.phoneHash, r.phoneMasked, r.relation, r.residence, r.tags,
		r.regionCode, r.householdID, tx.Now(), old.id)
	if err != nil {
		return fmt.Errorf("registry: update person %d: %w", old.id, err)
	}
	rep.Updated++
	return nil
}
