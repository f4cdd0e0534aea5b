package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grassroots/internal/platform/errs"
)

func TestDecodeJSONText(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		code       errs.Code
		want       string
	}{
		{"OK", `{"name":"张三"}`, "", "张三"},
		{"OKEscapedPair", `{"name":"\ud83d\ude00"}`, "", "😀"},
		{"OKEscapedBackslash", `{"name":"\\ud800"}`, "", `\ud800`},
		{"ErrInvalidUTF8", "{\"name\":\"张\xff三\"}", errs.Malformed, ""},
		{"ErrTruncatedUTF8", "{\"name\":\"\xe5\xbc\"}", errs.Malformed, ""},
		{"ErrLoneHighSurrogate", `{"name":"a\ud800b"}`, errs.Malformed, ""},
		{"ErrLoneLowSurrogate", `{"name":"a\udc00b"}`, errs.Malformed, ""},
		{"ErrReversedPair", `{"name":"\ude00\ud83d"}`, errs.Malformed, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			var v struct {
				Name string `json:"name"`
			}
			err := DecodeJSON(r, &v)
			if tt.code == "" {
				if err != nil || v.Name != tt.want {
					t.Errorf("got %q, %v; want %q", v.Name, err, tt.want)
				}
				return
			}
			if errs.CodeOf(err) != tt.code {
				t.Errorf("error %v, want %s", err, tt.code)
			}
		})
	}
}

func TestValidForm(t *testing.T) {
	form := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	multi := func(value string) *http.Request {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("name", value)
		_ = w.Close()
		r := httptest.NewRequest("POST", "/x", &b)
		r.Header.Set("Content-Type", w.FormDataContentType())
		return r
	}
	for _, tt := range []struct {
		name string
		r    *http.Request
		ok   bool
	}{
		{"OKForm", form("name=%E5%BC%A0%E4%B8%89"), true},
		{"OKQuery", httptest.NewRequest("GET", "/x?q=%E5%BC%A0", nil), true},
		{"OKMultipart", multi("张三"), true},
		{"OKJSONBodyUntouched", httptest.NewRequest("POST", "/x", strings.NewReader("\xff")), true},
		{"ErrFormValue", form("name=%FF"), false},
		{"ErrFormName", form("%FF=1"), false},
		{"ErrQuery", httptest.NewRequest("GET", "/x?q=%E5%BC", nil), false},
		{"ErrMultipart", multi("张\xff三"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := validForm(tt.r)
			if tt.ok != (err == nil) || err != nil && errs.CodeOf(err) != errs.Malformed {
				t.Errorf("validForm: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
