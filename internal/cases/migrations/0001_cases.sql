-- Cases (接诉即办, 吹哨报到): the catalogue in versions, the cases with the
-- deadlines of their current step, their timeline, photos, whistles and
-- the notices pushed when a step is about to be or is overdue.

-- A catalogue version is a whole JSON document; a case keeps the version
-- it was registered under, so editing the catalogue never changes the
-- rules of cases already open.
CREATE TABLE case_catalogues (
	version INTEGER PRIMARY KEY,
	body TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);

CREATE TABLE cases (
	id {{pk}},
	channel TEXT NOT NULL,
	external_id TEXT,
	status TEXT NOT NULL,
	resume_status TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,
	catalogue_version INTEGER NOT NULL REFERENCES case_catalogues(version),
	urgency TEXT NOT NULL,
	description TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	lon DOUBLE PRECISION,
	lat DOUBLE PRECISION,
	region_code TEXT NOT NULL,
	dept_id BIGINT REFERENCES territory_departments(id),
	unit_kind TEXT NOT NULL DEFAULT '',
	unit_name TEXT NOT NULL DEFAULT '',
	reporter_id BIGINT,
	reporter_name TEXT NOT NULL DEFAULT '',
	reporter_phone TEXT NOT NULL DEFAULT '',
	anonymous {{bool}} NOT NULL DEFAULT FALSE,
	merged_into BIGINT REFERENCES cases(id),
	step INTEGER NOT NULL DEFAULT 1,
	step_started_at {{timestamp}} NOT NULL,
	step_warn_at {{timestamp}},
	step_due_at {{timestamp}},
	respond_due_at {{timestamp}},
	acknowledged_at {{timestamp}},
	handle_due_at {{timestamp}},
	handled_at {{timestamp}},
	closed_at {{timestamp}},
	extension_days INTEGER NOT NULL DEFAULT 0,
	extension_asked INTEGER NOT NULL DEFAULT 0,
	extension_reason TEXT NOT NULL DEFAULT '',
	supervised {{bool}} NOT NULL DEFAULT FALSE,
	rework INTEGER NOT NULL DEFAULT 0,
	resolved {{bool}},
	satisfaction TEXT NOT NULL DEFAULT '',
	rated_at {{timestamp}},
	rate_token TEXT,
	warned_step INTEGER NOT NULL DEFAULT 0,
	overdue_step INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
-- A hotline or Open311 client's own id is unique per channel: a repeated
-- push finds the case it made the first time.
CREATE UNIQUE INDEX cases_external ON cases(channel, external_id);
CREATE INDEX cases_region ON cases(region_code, id);
CREATE INDEX cases_status_region ON cases(status, region_code, id);
CREATE INDEX cases_dept ON cases(dept_id, status, id);
CREATE INDEX cases_reporter ON cases(reporter_id, id);
CREATE INDEX cases_created ON cases(created_at, id);
CREATE INDEX cases_dedup ON cases(category, lat);
CREATE INDEX cases_due ON cases(step_due_at) WHERE step_due_at IS NOT NULL;
CREATE UNIQUE INDEX cases_rate_token ON cases(rate_token);

-- Cases per region and status, kept in the transaction that changes a
-- case, so dashboards read thousands of rows instead of millions.
CREATE TABLE case_counts (
	region_code TEXT NOT NULL,
	status TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (region_code, status)
);

CREATE TABLE case_events (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	action TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status TEXT NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	at {{timestamp}} NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE case_photos (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT REFERENCES case_events(id),
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	data {{blob}} NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX case_photos_case ON case_photos(case_id, id);

CREATE TABLE case_whistles (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	region_code TEXT NOT NULL,
	ground TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	respond_minutes INTEGER NOT NULL,
	blown_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL,
	closed_at {{timestamp}}
);
CREATE INDEX case_whistles_case ON case_whistles(case_id);
CREATE INDEX case_whistles_region ON case_whistles(region_code, id);

CREATE TABLE case_whistle_parties (
	whistle_id BIGINT NOT NULL REFERENCES case_whistles(id),
	dept_id BIGINT NOT NULL REFERENCES territory_departments(id),
	report_due_at {{timestamp}} NOT NULL,
	reported_at {{timestamp}},
	arrived_at {{timestamp}},
	feedback_at {{timestamp}},
	feedback TEXT NOT NULL DEFAULT '',
	rating INTEGER,
	rating_note TEXT NOT NULL DEFAULT '',
	rated_at {{timestamp}},
	PRIMARY KEY (whistle_id, dept_id)
);
CREATE INDEX case_whistle_parties_dept ON case_whistle_parties(dept_id, whistle_id);

-- Notices pushed to the unit responsible for a step: about to be overdue,
-- overdue, supervised, whistled.
CREATE TABLE case_notices (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	kind TEXT NOT NULL,
	region_code TEXT NOT NULL,
	dept_id BIGINT,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX case_notices_region ON case_notices(region_code, id);
CREATE INDEX case_notices_dept ON case_notices(dept_id, id);

-- The evaluation weights and the duplicate search, one row.
CREATE TABLE case_settings (
	id INTEGER PRIMARY KEY,
	w_response DOUBLE PRECISION NOT NULL,
	w_resolution DOUBLE PRECISION NOT NULL,
	w_satisfaction DOUBLE PRECISION NOT NULL,
	basic_factor DOUBLE PRECISION NOT NULL,
	dedup_metres INTEGER NOT NULL,
	dedup_days INTEGER NOT NULL,
	warn_share DOUBLE PRECISION NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
INSERT INTO case_settings VALUES (1, 0.1, 0.5, 0.4, 0.9, 100, 7, 0.25, 'system', CURRENT_TIMESTAMP);

-- Cases per month, community and class, for the trend charts.
CREATE TABLE case_month_counts (
	month TEXT NOT NULL,
	region_code TEXT NOT NULL,
	class TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (region_code, month, class)
);

-- Tokens given to Open311 clients for the requests they post.
CREATE TABLE case_open311_tokens (
	token TEXT PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases(id)
);
