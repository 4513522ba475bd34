package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"time"

	"hark/audio"
	"hark/jobs"
)

// jobView is a job as the API shows it.
type jobView struct {
	*jobs.Job
	Progress float64 `json:"progress"` // segments done / total, in [0, 1]
}

func view(j *jobs.Job) jobView { return jobView{j, j.Progress()} }

// createJob serves POST /v1/jobs: a multipart form with a "file" part (and optionally "language"), or the
// audio itself as the body (Content-Type audio/* or application/octet-stream). The upload is streamed
// to a file, its format checked, and the job recorded and queued in one transaction.
func (s *Server) createJob(w http.ResponseWriter, r *http.Request) {
	var path, name string
	var size int64
	lang := ""
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		f, err := s.parseUpload(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		path, name, size, lang = f.file, f.filename, f.size, f.get("language")
	} else {
		if err := s.uploadBody(w, r, s.cfg.MaxUploadBytes); err != nil {
			writeError(w, err)
			return
		}
		tf, err := os.CreateTemp(s.tmpDir, "upload-*.tmp")
		if err != nil {
			writeError(w, err)
			return
		}
		size, err = io.Copy(tf, r.Body)
		cerr := tf.Close()
		path = tf.Name()
		if err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			writeError(w, bodyError("body", err))
			return
		}
		if size == 0 {
			os.Remove(path)
			writeError(w, badRequest("empty_file", "the request body is empty"))
			return
		}
		name = cleanName(r.URL.Query().Get("filename"))
	}
	committed := false
	defer func() {
		if !committed {
			os.Remove(path)
		}
	}()
	if _, err := parseTranscriptionFields(map[string][]string{"language": {lang}}); err != nil {
		writeError(w, err)
		return
	}
	format, err := probeFile(path, s.cfg.MaxDuration)
	if err != nil {
		writeError(w, err)
		return
	}
	j := &jobs.Job{ID: newID(), Filename: name, Bytes: size, Format: format, Language: lang, APIKey: keyOf(r)}
	final := jobs.AudioPath(s.audioDir, j.ID)
	if err := os.Rename(path, final); err != nil {
		writeError(w, err)
		return
	}
	path = final
	if err := s.store.Create(r.Context(), j); err != nil {
		writeError(w, err)
		return
	}
	committed = true
	s.met.jobsCreated.Inc()
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusCreated, view(j))
}

// probeFile checks that a stored upload is audio hark reads to its end (so a truncated or corrupt file is
// refused now, not after the job was accepted) and not longer than maxDur; it returns the container's
// name. The audio is decoded at its own rate, in blocks: memory does not grow with the file. Raw PCM is
// not accepted for jobs (the worker detects the format from its magic bytes).
func probeFile(path string, maxDur time.Duration) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	st, err := audio.Open(fh, "", audio.Options{})
	if err != nil {
		return "", audioError(err)
	}
	defer st.Close()
	f := st.Format()
	tooLong := func(d time.Duration) error {
		return &requestError{http.StatusRequestEntityTooLarge, "audio_too_long",
			fmt.Errorf("the audio lasts %v, over the limit of %v", d.Round(time.Second), maxDur)}
	}
	if d, ok := f.Duration(); ok && d > maxDur {
		return "", tooLong(d)
	}
	max := int64(maxDur.Seconds() * float64(st.SampleRateHz()))
	buf := make([]float32, 8192)
	var n int64
	for {
		k, err := st.Read(buf)
		n += int64(k)
		if n > max {
			return "", tooLong(maxDur)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", audioError(err)
		}
	}
	if n == 0 {
		return "", badRequest("empty_audio", "the file holds no audio samples")
	}
	return string(f.Container), nil
}

// job loads the job named in the path, checking the ID's shape and the caller's ownership.
func (s *Server) job(w http.ResponseWriter, r *http.Request) (*jobs.Job, bool) {
	id := r.PathValue("id")
	if !jobs.ValidID(id) {
		httpError(w, http.StatusBadRequest, "invalid_id", fmt.Sprintf("invalid job id %q", id))
		return nil, false
	}
	j, err := s.store.Get(r.Context(), id)
	if errors.Is(err, jobs.ErrNotFound) || err == nil && j.APIKey != keyOf(r) && keyOf(r) != "" {
		httpError(w, http.StatusNotFound, "job_not_found", fmt.Sprintf("no job %s", id))
		return nil, false
	}
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	return j, true
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			httpError(w, http.StatusBadRequest, "invalid_limit", fmt.Sprintf("limit %q: want 1..1000", v))
			return
		}
		limit = n
	}
	js, err := s.store.List(r.Context(), keyOf(r), limit)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]jobView, len(js))
	for i := range js {
		out[i] = view(&js[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": out})
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.job(w, r); ok {
		writeJSON(w, http.StatusOK, view(j))
	}
}

// jobTranscript serves GET /v1/jobs/{id}/transcript?format=json|text|srt|vtt|verbose_json|hark_json|hyp.
// Until the job has succeeded it answers 409, unless partial=1 asks for the segments done so far.
func (s *Server) jobTranscript(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "hark_json"
	}
	if j.State != jobs.Succeeded && r.URL.Query().Get("partial") != "1" {
		httpError(w, http.StatusConflict, "job_not_done", fmt.Sprintf("job %s is %s (%d of %d segments done)", j.ID, j.State, j.Done, j.Segments))
		return
	}
	t, err := jobs.Transcript(r.Context(), s.store, j.ID, int(s.model.Load().Feat.SampleRate))
	if err != nil {
		writeError(w, err)
		return
	}
	writeTranscription(w, t, format, true, true)
}

// jobEvents serves GET /v1/jobs/{id}/events: server-sent events, one "progress" event with the job
// whenever it changes, ending with the final state.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	fl, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	last := ""
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := json.Marshal(view(j))
		if cur := string(b); cur != last {
			last = cur
			rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := fmt.Fprintf(w, "event: progress\ndata: %s\n\n", b); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if j.State.Final() {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		nj, err := s.store.Get(r.Context(), j.ID)
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: %q\n\n", err.Error())
			return
		}
		j = nj
	}
}

// cancelJob serves POST /v1/jobs/{id}/cancel: an unfinished job stops after its current segment and
// keeps the segments done.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	if err := s.cancel(r.Context(), j.ID); err != nil && !errors.Is(err, jobs.ErrFinished) {
		writeError(w, err)
		return
	}
	nj, err := s.store.Get(r.Context(), j.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view(nj))
}

func (s *Server) cancel(ctx context.Context, id string) error {
	err := s.store.SetState(ctx, id, jobs.Canceled, "canceled by the client")
	s.runner.Cancel(id)
	return err
}

// deleteJob serves DELETE /v1/jobs/{id}: cancels the job if it is unfinished and removes it and its audio.
func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	if !j.State.Final() {
		s.cancel(r.Context(), j.ID)
	}
	if err := s.store.Delete(r.Context(), j.ID); err != nil {
		writeError(w, err)
		return
	}
	os.Remove(jobs.AudioPath(s.audioDir, j.ID))
	s.met.jobsDeleted.Inc()
	w.WriteHeader(http.StatusNoContent)
}
