package admission

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

func (h *handler) fileRoutes(r *web.Router) {
	r.Page("GET /admission/files/{id}", PermView, h.handleDownload)
	r.PageUpload("POST /admission/requests/{id}/files", PermRequest, h.handleRequestFiles)
}

func (h *handler) fileAPI(r *web.Router) {
	r.API("GET /api/v1/admission/requests/{id}/files", PermView, web.OpDoc{Summary: "The files a request came with (the form to fill, the notice)", Tag: tag,
		Response: []Attachment{}}, h.apiRequestFiles)
	r.Upload("POST /api/v1/admission/requests/{id}/files", PermRequest, web.OpDoc{Summary: "Add a file to the department's own request (PDF, OFD, Word, Excel, JPEG or PNG body, at most 10 MB, five a request; the name in the query; audited)", Tag: tag,
		Query: []web.Param{{Name: "name", Type: "string", Description: "the file's name with its extension (表格.xlsx)", Required: true}}, BodyTypes: fileMIMEs(),
		Status: http.StatusCreated, Response: Attachment{}}, h.apiAddRequestFile)
	r.API("GET /api/v1/admission/tasks/{id}/files", PermView, web.OpDoc{Summary: "The files of a task: its request's, and the evidence its community returned", Tag: tag,
		Response: TaskFiles{}}, h.apiTaskFiles)
	r.Upload("POST /api/v1/admission/tasks/{id}/files", PermInbox, web.OpDoc{Summary: "Add a file to the evidence of an open task of the community (the filled form, a photo; the same kinds and limits; audited)", Tag: tag,
		Query: []web.Param{{Name: "name", Type: "string", Description: "the file's name with its extension", Required: true}}, BodyTypes: fileMIMEs(),
		Status: http.StatusCreated, Response: Attachment{}}, h.apiAddEvidence)
	r.API("GET /api/v1/admission/files/{id}", PermView, web.OpDoc{Summary: "A file's bytes, for whoever sees its request or task (an audited read)", Tag: tag,
		ResponseType: "application/octet-stream"}, h.handleDownload)
}

// fileMIMEs are the media types of the files accepted.
func fileMIMEs() []string {
	var out []string
	for _, t := range fileTypes {
		if !slices.Contains(out, t.mime) {
			out = append(out, t.mime)
		}
	}
	return out
}

// TaskFiles are the files of a task.
type TaskFiles struct {
	Request  []Attachment `json:"request" doc:"the files the request came with"`
	Evidence []Attachment `json:"evidence" doc:"the files the community returned"`
}

// uploadsFrom reads the files of a multipart form's field: counted and
// measured before any is read, then checked one by one; every bad file
// is named.
func uploadsFrom(r *http.Request, field string) ([]Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	// An empty file is a file input left empty.
	files := slices.DeleteFunc(slices.Clone(r.MultipartForm.File[field]), func(fh *multipart.FileHeader) bool { return fh.Size == 0 && fh.Filename == "" })
	if err := checkCount(field, 0, len(files)); err != nil {
		return nil, err
	}
	var fe errs.Fields
	var out []Upload
	for _, fh := range files {
		if fh.Size > MaxFileBytes {
			fe.Add(field, "rule.adm_file_size", strconv.Itoa(MaxFileBytes>>20))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		u, err := CheckUpload(field, fh.Filename, b)
		if errs.CodeOf(err) == errs.Invalid {
			fe = append(fe, errs.As(err).Fields...)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, fe.Err()
}

// parseMultipart reads a form that may carry files; a form without any is
// read as usual.
func parseMultipart(r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	return nil
}

func (h *handler) handleDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_file")
	if err != nil {
		return err
	}
	a, data, err := h.svc.Download(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	// Always a download, never shown in the site's own origin.
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}

func (h *handler) handleRequestFiles(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_request")
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	ups, err := uploadsFrom(r, "files")
	if err == nil && len(ups) == 0 {
		err = errs.Field("files", "rule.required", "")
	}
	if err == nil {
		_, err = h.svc.AttachToRequest(r.Context(), authz.ScopeFrom(r.Context()), id, ups)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.requestPage(r, id)
		if perr != nil {
			return perr
		}
		p.FilesSent = h.failed(p.Lang, err, "files")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_request", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/requests/"+strconv.FormatInt(id, 10)+"#files", "flash.adm_files_added")
}

func (h *handler) apiRequestFiles(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_request")
	if err != nil {
		return err
	}
	fs, err := h.svc.RequestFiles(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, fs)
}

func (h *handler) apiTaskFiles(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_task")
	if err != nil {
		return err
	}
	req, ev, err := h.svc.TaskFiles(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, TaskFiles{Request: req, Evidence: ev})
}

// uploadBody reads an API upload: the body is the file, the query names
// it.
func uploadBody(r *http.Request) (Upload, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxFileBytes+1))
	if err != nil {
		return Upload{}, errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	return CheckUpload("body", r.URL.Query().Get("name"), b)
}

func (h *handler) apiAddRequestFile(w http.ResponseWriter, r *http.Request) error {
	return h.apiAdd(w, r, "kind.adm_request", h.svc.AttachToRequest)
}

func (h *handler) apiAddEvidence(w http.ResponseWriter, r *http.Request) error {
	return h.apiAdd(w, r, "kind.adm_task", h.svc.AttachEvidence)
}

// apiAdd stores the body as a file of the request or task in the path,
// with attach, and answers with it.
func (h *handler) apiAdd(w http.ResponseWriter, r *http.Request, kind string,
	attach func(context.Context, authz.Scope, int64, []Upload) ([]Attachment, error)) error {
	id, err := web.ObjectID(r, kind)
	if err != nil {
		return err
	}
	u, err := uploadBody(r)
	if err != nil {
		return err
	}
	fs, err := attach(r.Context(), authz.ScopeFrom(r.Context()), id, []Upload{u})
	if err != nil {
		return err
	}
	a := fs[0]
	w.Header().Set("Location", "/api/v1/admission/files/"+strconv.FormatInt(a.ID, 10))
	return web.JSON(w, http.StatusCreated, a)
}
