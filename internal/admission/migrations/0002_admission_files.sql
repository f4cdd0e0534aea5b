-- Files that come with a request (the form to fill, the notice, the
-- template) and the evidence a community returns with a task it has done
-- (the filled form, photos). task_id is empty for a request's own files.
-- sha256 is the hex digest of data, shown so a file can be checked.
CREATE TABLE admission_files (
	id {{pk}},
	request_id BIGINT NOT NULL REFERENCES admission_requests (id),
	task_id BIGINT REFERENCES admission_tasks (id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	data {{blob}} NOT NULL,
	uploaded_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX admission_files_request ON admission_files (request_id, task_id, id);
