package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// requestError is an error with the HTTP status and code to answer with.
type requestError struct {
	status int
	code   string
	err    error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func badRequest(code, format string, args ...any) error {
	return &requestError{http.StatusBadRequest, code, fmt.Errorf(format, args...)}
}

// writeError answers with err's status (400 for plain errors from parsing, 500 otherwise).
func writeError(w http.ResponseWriter, err error) {
	var re *requestError
	if errors.As(err, &re) {
		if re.status == http.StatusServiceUnavailable {
			retry := "5"
			if re.code == "memory_budget" {
				retry = strconv.Itoa(retryAfterBudget)
			}
			w.Header().Set("Retry-After", retry)
		}
		httpError(w, re.status, re.code, re.err.Error())
		return
	}
	httpError(w, http.StatusInternalServerError, "internal_error", err.Error())
}

// form is a parsed multipart request: its text fields and its one file, stored in a temporary file.
type form struct {
	fields   map[string][]string
	file     string // path of the stored upload ("" if none)
	filename string // the client's name for it (base name only, for display)
	size     int64
}

func (f *form) get(name string) string {
	if v := f.fields[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// remove deletes the stored file.
func (f *form) remove() {
	if f != nil && f.file != "" {
		os.Remove(f.file)
	}
}

// limits bound what readForm accepts.
type limits struct {
	fileBytes  int64 // the file part
	fieldBytes int64 // all other fields together
	maxFields  int
}

// readForm reads a multipart body, streaming the part named "file" to a new file in dir (never whole in
// memory) and keeping the other fields, at most lim.fieldBytes in all. On error nothing is left in dir.
func readForm(mr *multipart.Reader, dir string, lim limits) (_ *form, err error) {
	f := &form{fields: map[string][]string{}}
	defer func() {
		if err != nil {
			f.remove() // f, not the result: a failing return has set that to nil
		}
	}()
	var fieldBytes int64
	nfields := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError("multipart body", err)
		}
		name := p.FormName()
		if name == "" {
			p.Close()
			continue
		}
		nfields++
		if nfields > lim.maxFields {
			return nil, badRequest("too_many_fields", "more than %d form fields", lim.maxFields)
		}
		if name == "file" {
			if f.file != "" {
				return nil, badRequest("duplicate_file", "more than one file part")
			}
			f.filename = cleanName(p.FileName())
			tf, err := os.CreateTemp(dir, "upload-*.tmp")
			if err != nil {
				return nil, err
			}
			f.file = tf.Name()
			n, err := io.Copy(tf, io.LimitReader(p, lim.fileBytes+1))
			cerr := tf.Close()
			if err != nil {
				return nil, bodyError("file", err)
			}
			if cerr != nil {
				return nil, cerr
			}
			if n > lim.fileBytes {
				return nil, &requestError{http.StatusRequestEntityTooLarge, "file_too_large",
					fmt.Errorf("file larger than the limit of %d bytes", lim.fileBytes)}
			}
			f.size = n
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, lim.fieldBytes-fieldBytes+1))
		if err != nil {
			return nil, bodyError("field "+name, err)
		}
		fieldBytes += int64(len(b))
		if fieldBytes > lim.fieldBytes {
			return nil, badRequest("fields_too_large", "form fields larger than %d bytes in all", lim.fieldBytes)
		}
		f.fields[name] = append(f.fields[name], string(b))
	}
	return f, nil
}

// cleanName keeps a client's file name for display: base name only, printable, at most 200 bytes.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// bodyError classifies an error reading the request body: over the size limit (413), a client too slow
// (408), or a malformed or cut-off body (400).
func bodyError(what string, err error) error {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return &requestError{http.StatusRequestEntityTooLarge, "request_too_large",
			fmt.Errorf("request body larger than the limit of %d bytes", mbe.Limit)}
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &requestError{http.StatusRequestTimeout, "upload_timeout", fmt.Errorf("%s: the client sent nothing for too long", what)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("truncated_body", "%s: the request body ended early (truncated upload)", what)
	}
	return badRequest("malformed_body", "%s: %v", what, err)
}

// idleReader extends the connection's read deadline before every read, so a client that stops sending
// mid-upload is cut off after idle while a slow but steady one is not.
type idleReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.idle > 0 {
		ir.rc.SetReadDeadline(time.Now().Add(ir.idle))
	}
	return ir.r.Read(p)
}

// uploadBody checks the declared length against max and wraps the body with the size limit and the idle
// timeout.
func (s *Server) uploadBody(w http.ResponseWriter, r *http.Request, max int64) error {
	if r.ContentLength > max {
		return &requestError{http.StatusRequestEntityTooLarge, "request_too_large",
			fmt.Errorf("Content-Length %d exceeds the limit of %d bytes", r.ContentLength, max)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	r.Body = struct {
		io.Reader
		io.Closer
	}{&idleReader{r.Body, http.NewResponseController(w), s.cfg.UploadIdle}, r.Body}
	return nil
}

// parseUpload reads a multipart/form-data request into a form, enforcing the limits.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) (*form, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &requestError{http.StatusUnsupportedMediaType, "unsupported_media_type",
			errors.New("want a multipart/form-data body with a file part")}
	}
	if err := s.uploadBody(w, r, s.cfg.MaxUploadBytes+s.cfg.MaxRequestFields+64<<10); err != nil {
		return nil, err
	}
	f, err := readForm(multipart.NewReader(r.Body, params["boundary"]), s.tmpDir,
		limits{fileBytes: s.cfg.MaxUploadBytes, fieldBytes: s.cfg.MaxRequestFields, maxFields: 64})
	if err != nil {
		return nil, err
	}
	if f.file == "" {
		return nil, badRequest("missing_file", "the form has no file part named \"file\"")
	}
	if f.size == 0 {
		f.remove()
		return nil, badRequest("empty_file", "the uploaded file is empty")
	}
	return f, nil
}
