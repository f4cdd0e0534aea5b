package cases_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/territory"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func ptr[T any](v T) *T { return &v }

// MustMove posts a move on case id and fails the test unless the answer
// is want; a 200 answer's case is returned.
func MustMove(t *testing.T, c *apptest.Client, id int64, m cases.Move, want int) cases.Case {
	t.Helper()
	r := c.API("POST", "/api/v1/cases/"+itoa(id)+"/moves", m)
	if r.StatusCode != want {
		t.Fatalf("%s: %d %s (want %d)", m.Action, r.StatusCode, r.Body, want)
	}
	var out cases.Case
	if want == http.StatusOK {
		r.JSON(t, &out)
	}
	return out
}

// MustReport files a report over the API and fails the test unless it
// is created.
func MustReport(t *testing.T, c *apptest.Client, in map[string]any) cases.Intake {
	t.Helper()
	r := c.API("POST", "/api/v1/cases", in)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report %v: %d %s", in, r.StatusCode, r.Body)
	}
	var out cases.Intake
	r.JSON(t, &out)
	return out
}

// MustDepartment adds a department serving region.
func MustDepartment(t *testing.T, e *apptest.Env, name, region string) territory.Department {
	t.Helper()
	d, err := e.App.Territory.CreateDepartment(e.System(), territory.DepartmentInput{Name: name, RegionCode: region})
	if err != nil {
		t.Fatalf("department %s: %v", name, err)
	}
	return d
}

// MustUser adds an account with the fixture's password, so that
// e.Login(name) signs it in.
func MustUser(t *testing.T, e *apptest.Env, name string, role authz.Role, region string, deptID int64) {
	t.Helper()
	_, err := e.App.Accounts.CreateUser(e.System(), account.UserInput{Username: name, DisplayName: name + "（测试）", Role: role,
		RegionCode: region, DepartmentID: deptID, Password: apptest.Password})
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
}

// MustCommunity adds an urban community under subdistrict.
func MustCommunity(t *testing.T, e *apptest.Env, code, name, subdistrict string) {
	t.Helper()
	rep, err := e.App.Territory.ImportCSV(e.System(), strings.NewReader("code,name,level,parent_code,kind\n"+
		code+","+name+",community,"+subdistrict+",urban\n"), territory.ImportOptions{})
	if err != nil || !rep.Committed {
		t.Fatalf("community %s: %v %+v", code, err, rep.Errors)
	}
}

// MustGrid adds a grid to community, a 0.002° square with its south-west
// corner at (lon, lat), and records a point inside it in e.Points.
func MustGrid(t *testing.T, e *apptest.Env, community, name string, lon, lat float64) string {
	t.Helper()
	x0, y0, x1, y1 := lon, lat, lon+0.002, lat+0.002
	g, err := e.App.Territory.CreateGrid(e.System(), territory.GridInput{CommunityCode: community, Name: name,
		Geometry: []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))})
	if err != nil {
		t.Fatalf("grid %s: %v", name, err)
	}
	e.Points[g.Code] = [2]float64{lon + 0.001, lat + 0.001}
	return g.Code
}

// auditCount is the number of entries in the audit log.
func auditCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// postMultipart posts form fields and photos as the page's form would.
func postMultipart(c *apptest.Client, path string, fields url.Values, photos map[string][]byte) apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if t := c.CSRF(); t != "" {
		fields.Set("csrf", t)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, b := range photos {
		w, _ := mw.CreateFormFile("photos", name)
		_, _ = w.Write(b)
	}
	mw.Close()
	return c.Do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// pngBytes is a small valid PNG photo.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
