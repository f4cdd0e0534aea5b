package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestDepartmentRolesPageErrorInItsRow: a name no department carries,
// sent from a role's form, comes back in that role's row: the box is
// marked (aria-invalid) and keeps what was typed, the message stands
// beside it, and no other row shows it.
func TestDepartmentRolesPageErrorInItsRow(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	r := city.Form("/cases/department-roles", url.Values{"role": {"城市管理局"}, "department": {"没有这个部门"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad name: %d %s", r.StatusCode, r.Body)
	}
	rows := regexp.MustCompile(`(?s)<tr data-role="([^"]*)".*?</tr>`).FindAllStringSubmatch(r.Body, -1)
	if len(rows) < 2 {
		t.Fatalf("the page lists %d roles", len(rows))
	}
	for _, row := range rows {
		input := regexp.MustCompile(`<input [^>]*name="department"[^>]*>`).FindString(row[0])
		bad := strings.Contains(input, `aria-invalid="true"`)
		msg := regexp.MustCompile(`<span class="field-error" id="([^"]*)"[^>]*>([^<]*)</span>`).FindStringSubmatch(row[0])
		if row[1] != "城市管理局" {
			if bad || msg != nil {
				t.Errorf("row %s shows the error of another row", row[1])
			}
			continue
		}
		if !bad || !strings.Contains(input, `value="没有这个部门"`) || msg == nil ||
			!strings.Contains(input, `aria-describedby="`+msg[1]+`"`) || !strings.Contains(msg[2], "部门: 没有部门的名称包含“没有这个部门”") {
			t.Errorf("the row of the bad name: input %s, message %q", input, msg)
		}
	}
	if strings.Contains(r.Body, `<ul class="field-errors"`) {
		t.Errorf("the error of a row is listed above the table too")
	}
	// An error of no row (an unknown role) is shown above the table.
	r = city.Form("/cases/department-roles", url.Values{"role": {"没有这个角色"}, "department": {"城市管理局"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `<ul class="field-errors" role="alert"><li>`) {
		t.Errorf("unknown role: %d", r.StatusCode)
	}
}
