package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/web"
)

// TestBuildingImportReport checks what the table import's report says
// (the shared page of package tabular): a refused file says nothing of
// rows "already there" when there are none, a refused file whose rows
// were imported before says how many, and a committed one says it in
// full; in Chinese and in English.
func TestBuildingImportReport(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	file := []byte(apptest.CSV([][]string{{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"},
		{"5栋", "测试市甲区幸福路1号5栋", "", apptest.GridA1, "6", "2", "", ""},
		{"6栋", "测试市甲区幸福路1号6栋", "", "440399001001001", "6", "2", "", ""}}))
	for _, tt := range []struct {
		name, keep  string
		status      int
		want, never []string
	}{
		{"Refused", "", http.StatusUnprocessableEntity, []string{"共 2 行：新增 0。", "未导入任何数据"}, []string{"已存在"}},
		{"KeepGood", "on", http.StatusOK, []string{"共 2 行：新增 1，已存在 0。", "已导入"}, []string{"未导入任何数据"}},
		{"RefusedAgain", "", http.StatusUnprocessableEntity, []string{"共 2 行：新增 0，已存在 1。", "未导入任何数据"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Upload("/buildings/import", "buildings.csv", file, map[string]string{"keep_good": tt.keep})
			if r.StatusCode != tt.status {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("the report lacks %q", w)
				}
			}
			for _, w := range tt.never {
				if strings.Contains(r.Body, w) {
					t.Errorf("the report says %q", w)
				}
			}
		})
	}
	u, _ := url.Parse(e.Srv.URL)
	c.HC.Jar.SetCookies(u, []*http.Cookie{{Name: web.LangCookie, Value: "en", Path: "/"}})
	other := []byte(apptest.CSV([][]string{{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"},
		{"7栋", "测试市甲区幸福路1号7栋", "", "440399001001001", "6", "2", "", ""}}))
	if r := c.Upload("/buildings/import", "buildings.csv", other, nil); !strings.Contains(r.Body, "1 rows: 0 new.") || strings.Contains(r.Body, "already there") {
		t.Errorf("the refused report in English: %d", r.StatusCode)
	}
	if r := c.Upload("/buildings/import", "buildings.csv", file, nil); !strings.Contains(r.Body, "2 rows: 0 new, 1 already there.") {
		t.Errorf("the refused report again in English: %d", r.StatusCode)
	}
}
