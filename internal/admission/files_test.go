package admission_test

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
)

// sendFiles posts a form with files in field "files", as the page's form
// does.
func sendFiles(c *apptest.Client, path string, fields map[string]string, files map[string][]byte) apptest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.CSRF())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(data)
	}
	mw.Close()
	return c.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

var (
	xlsxFile = append([]byte("PK\x03\x04"), bytes.Repeat([]byte("表"), 400)...)
	pdfFile  = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	pngFile  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
)

// TestFilesTravelWithTheRequest: a department sends its form with the
// request, and adds a notice over the API; the community finds both on
// its task, downloads them (an audited read) and returns the filled form
// with the task done; the department reads it back. A file of another
// kind, a script named .pdf, too many files or a community elsewhere get
// nothing in, or out.
func TestFilesTravelWithTheRequest(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	dept := e.Login("dept")
	dept.Get("/admission/requests/new")
	fields := map[string]string{"title": "垃圾分类入户宣传登记", "item_id": itoa(itemID(t, l, "XZ-21")), "target": apptest.CommunityA,
		"starts_on": "2026-11-27", "due_on": "2026-12-31"}

	// Bad files: the request is not filed, and the page names the rule.
	for _, tt := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"ScriptAsPDF", map[string][]byte{"通知.pdf": []byte("<script>alert(1)</script>")}, "PDF, OFD"},
		{"Executable", map[string][]byte{"setup.exe": []byte("MZ\x90\x00")}, "PDF, OFD"},
		{"Empty", map[string][]byte{"空.xlsx": {}}, "是空的"},
		{"TooMany", map[string][]byte{"1.pdf": pdfFile, "2.pdf": pdfFile, "3.pdf": pdfFile, "4.pdf": pdfFile, "5.pdf": pdfFile, "6.pdf": pdfFile}, "最多 5 个文件"},
	} {
		r := sendFiles(dept, "/admission/requests", fields, tt.files)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) {
			t.Errorf("%s: %d, want 422 naming %q", tt.name, r.StatusCode, tt.want)
		}
	}
	if r := dept.Get("/api/v1/admission/requests"); !strings.Contains(r.Body, `"total":0`) {
		t.Fatalf("a request with bad files was filed: %s", r.Body)
	}

	r := sendFiles(dept, "/admission/requests", fields, map[string][]byte{`C:\Users\王\入户登记表.xlsx`: xlsxFile})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the request with its form: %d %s", r.StatusCode, r.Body)
	}
	var reqs struct {
		Items []admission.Request `json:"items"`
	}
	dept.Get("/api/v1/admission/requests").JSON(t, &reqs)
	if len(reqs.Items) != 1 {
		t.Fatalf("requests: %+v", reqs.Items)
	}
	req := reqs.Items[0]
	add := dept.Do("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/files?name="+"%E9%80%9A%E7%9F%A5.pdf", bytes.NewReader(pdfFile),
		http.Header{"Content-Type": {"application/pdf"}, "X-CSRF-Token": {dept.CSRF()}})
	if add.StatusCode != http.StatusCreated || add.Header.Get("Location") == "" {
		t.Fatalf("a notice over the API: %d %s", add.StatusCode, add.Body)
	}
	if r := dept.Do("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/files?name=page.html", strings.NewReader("<html>"),
		http.Header{"X-CSRF-Token": {dept.CSRF()}}); r.StatusCode != 422 || rule(r) != "rule.adm_file_type" {
		t.Errorf("a page over the API: %d %s", r.StatusCode, r.Body)
	}
	var files []admission.Attachment
	dept.Get("/api/v1/admission/requests/"+itoa(req.ID)+"/files").JSON(t, &files)
	if len(files) != 2 || files[0].Name != "入户登记表.xlsx" || files[0].Size != len(xlsxFile) || files[1].Name != "通知.pdf" || len(files[0].SHA256) != 64 {
		t.Fatalf("the request's files: %+v", files)
	}

	// The community: both files on its task, downloaded whole, audited.
	sec := e.Login("secretary")
	var inbox struct {
		Items []admission.Task `json:"items"`
	}
	sec.Get("/api/v1/admission/tasks?status=open").JSON(t, &inbox)
	if len(inbox.Items) != 1 {
		t.Fatalf("the inbox: %+v", inbox.Items)
	}
	task := inbox.Items[0]
	page := sec.Get("/admission/tasks/" + itoa(task.ID))
	if !strings.Contains(page.Body, "入户登记表.xlsx") || !strings.Contains(page.Body, "通知.pdf") || !strings.Contains(page.Body, `enctype="multipart/form-data"`) {
		t.Errorf("the task page does not offer the request's files and a way to return one")
	}
	dl := sec.Get("/admission/files/" + itoa(files[0].ID))
	_, params, _ := mime.ParseMediaType(dl.Header.Get("Content-Disposition"))
	if dl.StatusCode != 200 || dl.Body != string(xlsxFile) || params["filename"] != "入户登记表.xlsx" ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the download: %d %q %q", dl.StatusCode, dl.Header.Get("Content-Disposition"), dl.Header.Get("Content-Type"))
	}
	var reads struct {
		Items []struct {
			Action string `json:"action"`
			Actor  string `json:"actor_name"`
		} `json:"items"`
	}
	e.Login("city").Get("/api/v1/audit?action=admission.file.read&object_type=admission_file&object_id="+itoa(files[0].ID)).JSON(t, &reads)
	if len(reads.Items) != 1 || reads.Items[0].Actor != "secretary" {
		t.Errorf("the download's audit records: %+v, want the secretary's one", reads.Items)
	}

	// Others: a community elsewhere, a resident, the community adding to
	// the department's request.
	for _, who := range []string{"worker", "resident"} {
		if g := e.Login(who).Get("/admission/files/" + itoa(files[0].ID)); g.StatusCode != 404 && g.StatusCode != 403 {
			t.Errorf("%s downloads the department's form: %d", who, g.StatusCode)
		}
	}
	if g := e.Login("worker").Get("/api/v1/admission/files/999999"); g.StatusCode != 404 {
		t.Errorf("a file that is not there: %d", g.StatusCode)
	}
	if r := sec.Do("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/files?name=x.pdf", bytes.NewReader(pdfFile),
		http.Header{"X-CSRF-Token": {sec.CSRF()}}); r.StatusCode != 403 {
		t.Errorf("the community adds to the department's request: %d", r.StatusCode)
	}

	// Done, with the filled form returned; the department reads it.
	done := sendFiles(sec, "/admission/tasks/"+itoa(task.ID)+"/act", map[string]string{"action": "done", "note": "已入户登记 312 户"},
		map[string][]byte{"登记表（已填）.xlsx": xlsxFile, "现场.png": pngFile})
	if done.StatusCode != http.StatusSeeOther {
		t.Fatalf("done with evidence: %d %s", done.StatusCode, done.Body)
	}
	var tf admission.TaskFiles
	dept.Get("/api/v1/admission/tasks/"+itoa(task.ID)+"/files").JSON(t, &tf)
	if len(tf.Request) != 2 || len(tf.Evidence) != 2 {
		t.Fatalf("the task's files as the department sees them: %+v", tf)
	}
	filled := tf.Evidence[0]
	if filled.Name != "登记表（已填）.xlsx" {
		filled = tf.Evidence[1]
	}
	if g := dept.Get("/api/v1/admission/files/" + itoa(filled.ID)); g.StatusCode != 200 || g.Body != string(xlsxFile) || filled.Name != "登记表（已填）.xlsx" {
		t.Errorf("the department reads the returned form %q: %d", filled.Name, g.StatusCode)
	}
	if g := e.Login("worker").Get("/api/v1/admission/files/" + itoa(tf.Evidence[0].ID)); g.StatusCode != 404 {
		t.Errorf("community B reads community A's returned form: %d", g.StatusCode)
	}
	// A closed task takes no more evidence.
	if r := sec.Do("POST", "/api/v1/admission/tasks/"+itoa(task.ID)+"/files?name=more.pdf", bytes.NewReader(pdfFile),
		http.Header{"X-CSRF-Token": {sec.CSRF()}}); r.StatusCode != 409 {
		t.Errorf("evidence for a done task: %d", r.StatusCode)
	}
}
