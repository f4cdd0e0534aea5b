package admission_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
	"grassroots/internal/city"
	"grassroots/internal/platform/pdf/pdftest"
	"grassroots/internal/platform/web"
)

// printed is the text of a certificate's PDF, fetched as its issuer
// prints it: its lines, and their text run together without spaces (a
// space at a line break is not printed).
func printed(t *testing.T, c *apptest.Client, id int64) ([]string, string) {
	t.Helper()
	r := c.Get("/admission/certificates/" + itoa(id) + "/pdf")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("the PDF: %d %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
	lines, err := pdftest.Lines([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return lines, strings.ReplaceAll(strings.Join(lines, ""), " ", "")
}

// mustIssue issues a certificate of the residence item (ZM-01) over the
// API.
func mustIssue(t *testing.T, sec *apptest.Client, l admission.List, in map[string]any) admission.Certificate {
	t.Helper()
	in["item_id"] = itemID(t, l, "ZM-01")
	r := sec.API("POST", "/api/v1/admission/certificates", in)
	var c admission.Certificate
	r.JSON(t, &c)
	if r.StatusCode != 201 {
		t.Fatalf("issue: %d %s", r.StatusCode, r.Body)
	}
	return c
}

// TestCertificatePDFText: a statement long enough to wrap is printed with
// every character (a Chinese line break once lost the character at it,
// "张三丰自2020年" printed "张三丰 / 2020年"), under one 兹证明 and one 特此证明
// even when the statement was written whole.
func TestCertificatePDFText(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	sec := e.Login("secretary")
	id := apptest.IDNumber(apptest.DistrictA, "19800101", "011")
	for _, tt := range []struct {
		name string
		in   map[string]any
		want []string // in the text, spaces aside
	}{
		{name: "WrittenWhole", in: map[string]any{"holder": "张三丰", "id_number": id,
			"statement": "兹证明张三丰自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住，情况属实，特此证明。"},
			want: []string{"兹证明张三丰（公民身份号码", "）自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住，情况属实，特此证明。"}},
		{name: "Statement", in: map[string]any{"holder": "张三丰", "purpose": "办理居住证",
			"statement": "自 2020 年 3 月起在本社区甲一小区 3 栋 201 室居住至今，本人在本社区实际居住，经社区工作人员入户核实，情况属实"},
			want: []string{"兹证明张三丰：自2020年3月起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住，经社区工作人员入户核实，情况属实。", "用途：办理居住证", "特此证明。"}},
		{name: "WrittenWholeOtherwise", in: map[string]any{"holder": "张三丰",
			"statement": "兹证明我社区居民张三丰自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住。"},
			want: []string{"证明对象：张三丰", "兹证明我社区居民张三丰自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住。", "特此证明。"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := mustIssue(t, sec, l, tt.in)
			lines, text := printed(t, sec, c.ID)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF lacks %q:\n%s", w, strings.Join(lines, "\n"))
				}
			}
			if n := strings.Count(text, "兹证明"); n != 1 {
				t.Errorf("兹证明 printed %d times:\n%s", n, strings.Join(lines, "\n"))
			}
			if n := strings.Count(text, "特此证明"); n != 1 {
				t.Errorf("特此证明 printed %d times:\n%s", n, strings.Join(lines, "\n"))
			}
			if c.IDMasked != "" && !strings.Contains(text, c.IDMasked) {
				t.Errorf("the PDF lacks the masked ID number %s", c.IDMasked)
			}
			if strings.Contains(text, id) {
				t.Error("the PDF shows the whole ID number")
			}
			if !strings.Contains(text, "验证码："+c.Code) {
				t.Errorf("the PDF lacks the code %s", c.Code)
			}
		})
	}
}

// TestCertificateVerifyAddress: a certificate prints the whole address
// of the page that checks it once the city has set its public address;
// until then the page warns that the printed address is the path only.
func TestCertificateVerifyAddress(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	sec := e.Login("secretary")
	c := mustIssue(t, sec, l, map[string]any{"holder": "张三", "statement": "在本社区居住"})
	page := "/admission/certificates/" + itoa(c.ID)

	if p := sec.Get(page); !strings.Contains(p.Body, `id="public-url-missing"`) || !strings.Contains(p.Body, "城市设置") {
		t.Errorf("no public address: the page does not warn: %d", p.StatusCode)
	}
	if _, text := printed(t, sec, c.ID); !strings.Contains(text, "可在/verify输入验证码") || strings.Contains(text, "http") {
		t.Errorf("no public address: the PDF prints %q, want the path only", text)
	}

	admin := e.Login("city")
	var v city.View
	admin.Get("/api/v1/city").JSON(t, &v)
	p := v.Profile
	if r := admin.API("PUT", "/api/v1/city", city.Input{Code: p.Code, Name: p.Name, PublicURL: "https://grassroots.example.gov.cn", Jurisdiction: p.Jurisdiction,
		Centre: p.Centre, Bounds: p.Bounds, Hours: p.Hours, SummerHours: p.SummerHours, Summer: p.Summer, Version: p.Version}); r.StatusCode != 200 {
		t.Fatalf("setting the public address: %d %s", r.StatusCode, r.Body)
	}
	const want = "https://grassroots.example.gov.cn/verify"
	if p := sec.Get(page); strings.Contains(p.Body, `id="public-url-missing"`) || !strings.Contains(p.Body, want) {
		t.Errorf("with a public address: the page warns, or does not show %s", want)
	}
	if _, text := printed(t, sec, c.ID); !strings.Contains(text, "可在"+want+"输入验证码") {
		t.Errorf("with a public address: the PDF prints %q, want %s", text, want)
	}
}

// TestCertificateRevokeReason: a certificate is revoked for a reason,
// which its issuers see and the audit log keeps; the public check says
// only that it was revoked, and when.
func TestCertificateRevokeReason(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	sec := e.Login("secretary")
	c := mustIssue(t, sec, l, map[string]any{"holder": "张三", "statement": "在本社区居住"})
	path := "/api/v1/admission/certificates/" + itoa(c.ID) + "/revoke"
	for _, tt := range []struct {
		name, reason, rule string
	}{
		{name: "ErrNoReason", reason: " ", rule: "rule.required"},
		{name: "ErrTooLong", reason: strings.Repeat("错", 201), rule: "rule.max_length"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := sec.API("POST", path, map[string]any{"reason": tt.reason}); r.StatusCode != 422 || rule(r) != tt.rule || !strings.Contains(r.Body, `"field":"reason"`) {
				t.Errorf("revoke: %d %s, want 422 %s", r.StatusCode, r.Body, tt.rule)
			}
		})
	}
	page := "/admission/certificates/" + itoa(c.ID)
	if r := sec.Form(page+"/revoke", url.Values{"reason": {""}}); r.StatusCode != 422 ||
		!regexp.MustCompile(`name="reason"[^>]*aria-invalid="true"`).MatchString(r.Body) || !strings.Contains(r.Body, "撤销原因: 必填") {
		t.Errorf("the revoke form without its reason: %d", r.StatusCode)
	}
	if v := e.Anon().Get("/verify?code=" + c.Code); !strings.Contains(v.Body, `class="tag ok"`) {
		t.Errorf("a revoke refused revoked it anyway, or the check shows no positive tag")
	}

	const reason = "证明内容有误，已重新出具"
	if r := sec.Form(page+"/revoke", url.Values{"reason": {reason}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	if p := sec.Get(page); !strings.Contains(p.Body, `id="cert-revoke-reason">`+reason+"<") || !strings.Contains(p.Body, `id="cert-revoked-on"`) ||
		strings.Contains(p.Body, `id="revoke-form"`) {
		t.Errorf("the revoked certificate's page: the reason or the date missing, or the form still there")
	}
	var got admission.Certificate
	sec.Get("/api/v1/admission/certificates/"+itoa(c.ID)).JSON(t, &got)
	if got.RevokeReason != reason || got.RevokedAt == nil {
		t.Errorf("the certificate read by itself: %+v", got)
	}
	if r := sec.Get("/api/v1/admission/certificates"); strings.Contains(r.Body, reason) {
		t.Error("the list shows the reason")
	}
	if r := sec.API("POST", path, map[string]any{"reason": "again"}); r.StatusCode != 409 {
		t.Errorf("a second revoke: %d", r.StatusCode)
	}
	anon := e.Anon()
	if v := anon.Get("/verify?code=" + c.Code); !strings.Contains(v.Body, `id="revoked-on"`) || strings.Contains(v.Body, reason) {
		t.Errorf("the public page of a revoked certificate shows the reason or not the date")
	}
	if v := anon.API("GET", "/api/v1/admission/verify?code="+c.Code, nil); !strings.Contains(v.Body, `"revoked":true`) || strings.Contains(v.Body, reason) {
		t.Errorf("the public API check of a revoked certificate: %s", v.Body)
	}
	a := e.Login("city").Get("/api/v1/audit?action=admission.certificate.revoke&object_id=" + itoa(c.ID))
	if !strings.Contains(a.Body, reason) {
		t.Errorf("the audit log lacks the reason: %s", a.Body)
	}
}

// TestVerifyMessages: a code typed wrong is named as the field is
// labelled (验证码), and the message says what a code looks like; a
// genuine certificate is shown with a positive tag.
func TestVerifyMessages(t *testing.T) {
	e := apptest.New(t)
	anon := e.Anon()
	en := http.Header{"Cookie": {web.LangCookie + "=en"}}
	for _, tt := range []struct {
		name, code string
		header     http.Header
		want       string
	}{
		{name: "ErrForm", code: "12", want: "验证码: 应为 12 位字母和数字，每 4 位一组，形如 XXXX-XXXX-XXXX（不含 0、1、I、L、O）"},
		{name: "ErrUnknown", code: "ABCD-EFGH-JKMN", want: "验证码: 查无此证明，请核对是否输错"},
		{name: "ErrFormEnglish", code: "12", header: en, want: "Verification code: should be 12 letters and digits in groups of four, like XXXX-XXXX-XXXX; 0, 1, I, L and O are never used"},
		{name: "ErrUnknownEnglish", code: "ABCD-EFGH-JKMN", header: en, want: "Verification code: matches no certificate; check it for typing mistakes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := anon.Do("GET", "/verify?code="+url.QueryEscape(tt.code), nil, tt.header)
			if r.StatusCode != 404 || !strings.Contains(r.Body, tt.want) {
				t.Errorf("%d, want %q in:\n%s", r.StatusCode, tt.want, r.Body)
			}
			if strings.Contains(r.Body, "代码:") || strings.Contains(r.Body, "Code:") {
				t.Error("the field is named 代码 (Code), not as it is labelled")
			}
		})
	}
}
