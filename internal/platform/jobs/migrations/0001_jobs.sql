-- The state of background jobs, so that a progress poll answered by
-- another instance than the one running the job sees it (package jobs).
CREATE TABLE platform_jobs (
	id TEXT PRIMARY KEY,
	owner BIGINT NOT NULL,
	done INTEGER NOT NULL,
	total INTEGER NOT NULL,
	finished_at {{timestamp}},
	result {{json}},
	error {{json}},
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX platform_jobs_updated ON platform_jobs(updated_at);
