package calendar_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/calendar"
)

// TestHolidayNamesFollowTextRules: a festival's name follows the text
// rules of every name: a direction override or a control character is
// refused, the day named, changing nothing; invisible characters are
// removed, also when the stored year is read again.
func TestHolidayNamesFollowTextRules(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	before := auditCount(t, e)
	for name, rule := range map[string]string{"元旦\u202e": "bidi_control", "元\x00旦": "control_char"} {
		r := admin.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2031-01-01,2031-01-03,off," + name + "\n"})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"csv[2031-01-01].name","rule":"`+rule+`"`) ||
			strings.Count(r.Body, `"field"`) != 1 {
			t.Errorf("%q: %d %s", name, r.StatusCode, r.Body)
		}
	}
	r := admin.Upload("/calendar", "2031.csv", []byte("from,to,kind,name\n2031-01-01,,off,元旦\u202e\n"), map[string]string{"year": "2031"})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "2031-01-01 的节日名称: 不能包含文字方向控制字符") {
		t.Errorf("page upload: %d", r.StatusCode)
	}
	if auditCount(t, e) != before || e.App.Calendar.Calendar().Covers(2031) {
		t.Fatal("a refused file changed the calendar")
	}

	if r := admin.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2031-01-01,,off,元\u200b旦\n"}); r.StatusCode != http.StatusOK {
		t.Fatalf("a name with a zero-width space: %d %s", r.StatusCode, r.Body)
	}
	check := func(when string) {
		t.Helper()
		var y calendar.Year
		admin.Get("/api/v1/calendar/2031").JSON(t, &y)
		if len(y.Days) != 1 || y.Days[0].Name != "元旦" {
			t.Errorf("%s: 2031 holds %+v", when, y.Days)
		}
	}
	check("loaded")
	if err := e.App.Calendar.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("read again")
}
