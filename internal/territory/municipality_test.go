package territory

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Real NBS rows (2023 codes) of the two kinds of municipality: Beijing's
// districts under 1101 市辖区, Chongqing's split between 5001 市辖区 and
// 5002 县.
const beijingCSV = `code,name,level,parent_code,kind
11,北京市,province,,
1101,市辖区,city,11,
110101,东城区,district,1101,
110102,西城区,district,1101,
110101001,东华门街道,subdistrict,110101,
110101001001,多福巷社区居委会,community,110101001,urban
`

const chongqingCSV = `code,name,level,parent_code,kind
50,重庆市,province,,
5001,市辖区,city,50,
500101,万州区,district,5001,
500101001,高笋塘街道,subdistrict,500101,
5002,县,city,50,
500229,城口县,district,5002,
500229100,葛城镇,subdistrict,500229,
`

// TestMunicipalityIsOneCity: the placeholders are folded, so that the
// municipality is one city at its province code with every district
// directly below it; re-importing changes nothing; a province that is not
// a municipality keeps its cities.
func TestMunicipalityIsOneCity(t *testing.T) {
	s, d := newService(t)
	for _, tc := range []struct {
		name, csv, city, sub string
		districts            []string
	}{
		{"Beijing", beijingCSV, "11", "110101001", []string{"110101", "110102"}},
		{"Chongqing", chongqingCSV, "50", "500229100", []string{"500101", "500229"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := s.ImportCSV(asAll(), strings.NewReader(tc.csv), ImportOptions{})
			if err != nil || !rep.Committed || len(rep.Errors) != 0 {
				t.Fatalf("import: %+v %v", rep, err)
			}
			placeholders := strings.Count(tc.csv, ",city,")
			if rep.Folded != placeholders || rep.Changed != rep.Rows-placeholders || rep.Skipped != 0 {
				t.Errorf("report: %+v", rep)
			}
			city, err := s.Region(as(tc.city), tc.city)
			if err != nil || city.Level != LevelCity {
				t.Fatalf("the municipality: %+v %v", city, err)
			}
			kids, err := s.Children(as(tc.city), tc.city)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range kids {
				got = append(got, k.Code)
			}
			if diff := cmp.Diff(tc.districts, got); diff != "" {
				t.Errorf("districts directly under %s (-want +got):\n%s", tc.city, diff)
			}
			// Named as the city in every breadcrumb, the placeholders nowhere.
			crumbs, err := s.Breadcrumb(as(tc.city), tc.sub)
			if err != nil || len(crumbs) != 3 || crumbs[0].Code != tc.city || crumbs[1].Code != tc.sub[:6] {
				t.Errorf("breadcrumb of %s: %+v %v", tc.sub, crumbs, err)
			}
			again, err := s.ImportCSV(asAll(), strings.NewReader(tc.csv), ImportOptions{})
			if err != nil || again.Changed != 0 || !again.Committed {
				t.Errorf("second import: %+v %v", again, err)
			}
		})
	}
	if n := count(t, d, `SELECT COUNT(*) FROM territory_regions WHERE name IN ('市辖区', '县')`); n != 0 {
		t.Errorf("%d placeholders stored", n)
	}
	// An ordinary province keeps its city level, and a city-level row
	// named 县 elsewhere is no placeholder.
	rep, err := s.ImportCSV(asAll(), strings.NewReader("code,name,level,parent_code,kind\n44,广东省,province,,\n4403,深圳市,city,44,\n4499,县,city,44,\n"), ImportOptions{})
	if err != nil || rep.Folded != 0 || rep.Changed != 3 {
		t.Errorf("a province with cities: %+v %v", rep, err)
	}
	if r, err := s.Region(asAll(), "44"); err != nil || r.Level != LevelProvince {
		t.Errorf("广东省: %+v %v", r, err)
	}
}

// TestMunicipalityImportedBefore: a database that holds 11 as a province
// with 1101 市辖区 under it (imported before the fold) takes the file
// again: 11 becomes the city, its districts move under it; other level
// changes are still refused.
func TestMunicipalityImportedBefore(t *testing.T) {
	s, _ := newService(t)
	old := strings.ReplaceAll(beijingCSV, "1101,市辖区,city,11,", "1101,北京市辖区,city,11,") // not a placeholder name: kept
	if rep, err := s.ImportCSV(asAll(), strings.NewReader(strings.Replace(old, "11,北京市,province,,\n", "", 1)), ImportOptions{}); err == nil && rep.Committed {
		t.Fatal("a city under an unknown province was imported")
	}
	if _, err := s.db.ExecContext(asAll(), `INSERT INTO territory_regions (code, name, level, parent_code, kind, updated_at) VALUES
		('11', '北京市', 'province', NULL, '', '2026-01-01 00:00:00'), ('1101', '市辖区', 'city', '11', '', '2026-01-01 00:00:00')`); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportCSV(asAll(), strings.NewReader(beijingCSV), ImportOptions{})
	if err != nil || !rep.Committed || len(rep.Errors) != 0 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	if r, _ := s.Region(asAll(), "11"); r.Level != LevelCity {
		t.Errorf("11 stayed %s", r.Level)
	}
	if r, _ := s.Region(asAll(), "110101"); r.ParentCode != "11" {
		t.Errorf("东城区 hangs under %s", r.ParentCode)
	}
	bad, _ := s.ImportCSV(asAll(), strings.NewReader("code,name,level,parent_code,kind\n110101,东城区,city,11,\n"), ImportOptions{})
	if bad.Committed || len(bad.Errors) == 0 {
		t.Errorf("a district made a city: %+v", bad)
	}
}
