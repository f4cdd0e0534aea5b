//go:build hotlinebench

package cases_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestHotlineImportTiming times a generated 12345 CSV (temporary; build tag hotlinebench).
func TestHotlineImportTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOTLINE_ROWS"))
	if n == 0 {
		n = 20000
	}
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	b, err := e.App.Registry.Building(e.System(), e.Buildings[apptest.GridA1])
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("工单编号,问题类型,问题描述,地址,经度,纬度,联系人,联系电话,受理时间\n")
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "H%07d,0101,垃圾堆放多日无人清运第%d号,,%v,%v,张先生,138%08d,2026/11/20 10:%02d\n", i, i, p[0], p[1], i, i%60)
		} else {
			fmt.Fprintf(&sb, "H%07d,噪声扰民,夜间施工噪声扰民第%d号,%s,,,李女士,139%08d,2026/11/20 11:%02d\n", i, i, b.Address, i, i%60)
		}
	}
	data := []byte(sb.String())
	t0 := time.Now()
	rep, err := e.App.Cases.ImportHotline(e.As("city"), data, cases.HotlineOptions{Name: "orders.csv"})
	t.Logf("%d rows (%d bytes): %v, created %d, errors %d, committed %v, err %v", n, len(data), time.Since(t0), rep.Created, len(rep.Errors), rep.Committed, err)
}
