-- The community work access list (社区工作事项准入清单) and the gate
-- through it. Dates are YYYY-MM-DD in China Standard Time.

-- A version of a list. owner_code is the city (the city's list) or a
-- district (its own items, on top of the city's). A draft has no
-- published_at; a published version is in force from effective_from
-- until the next published version of its owner takes over.
CREATE TABLE admission_lists (
	id {{pk}},
	owner_code TEXT NOT NULL REFERENCES territory_regions (code),
	version INTEGER NOT NULL,
	title TEXT NOT NULL,
	effective_from TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	published_at {{timestamp}},
	created_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL,
	UNIQUE (owner_code, version)
);

-- An item of a list version. code stays the same across versions;
-- section is duty (依法履职), assist (协助办理), negative (负面清单) or
-- certificate (证明事项); department names the issuing department as a
-- part of the name every district's department of that kind carries
-- (民政局); instead is, for a negative item, who does the work instead.
CREATE TABLE admission_items (
	id {{pk}},
	list_id BIGINT NOT NULL REFERENCES admission_lists (id),
	code TEXT NOT NULL,
	section TEXT NOT NULL,
	title TEXT NOT NULL,
	department TEXT NOT NULL DEFAULT '',
	basis TEXT NOT NULL DEFAULT '',
	carrier TEXT NOT NULL,
	kind TEXT NOT NULL,
	frequency TEXT NOT NULL,
	hours DOUBLE PRECISION NOT NULL DEFAULT 0,
	funding TEXT NOT NULL DEFAULT '',
	instead TEXT NOT NULL DEFAULT '',
	expires_on TEXT NOT NULL DEFAULT '',
	UNIQUE (list_id, code)
);

-- A department's request to communities, as the gate decided it. status:
-- admitted (an item of the list, or an emergency), pending (off the list,
-- waiting for the approver until decide_by), approved, refused. target_code
-- is the community, subdistrict, district or city asked; approver_code
-- the district (or the city) whose approver decides.
CREATE TABLE admission_requests (
	id {{pk}},
	dept_id BIGINT NOT NULL REFERENCES territory_departments (id),
	dept_name TEXT NOT NULL,
	target_code TEXT NOT NULL REFERENCES territory_regions (code),
	approver_code TEXT NOT NULL,
	title TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	item_id BIGINT REFERENCES admission_items (id),
	list_id BIGINT REFERENCES admission_lists (id),
	starts_on TEXT NOT NULL,
	due_on TEXT NOT NULL,
	hours DOUBLE PRECISION NOT NULL DEFAULT 0,
	emergency TEXT NOT NULL DEFAULT '',
	emergency_reason TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	rule TEXT NOT NULL DEFAULT '',
	decide_by {{timestamp}},
	decided_at {{timestamp}},
	decided_by TEXT NOT NULL DEFAULT '',
	decision_note TEXT NOT NULL DEFAULT '',
	reviewed_at {{timestamp}},
	review_upheld {{bool}},
	communities INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX admission_requests_dept ON admission_requests (dept_id, id);
CREATE INDEX admission_requests_approver ON admission_requests (approver_code, status, id);
-- What waits for an approver: few rows among a year's requests.
CREATE INDEX admission_requests_waiting ON admission_requests (approver_code, id)
	WHERE status = 'pending' OR emergency <> '' AND reviewed_at IS NULL;

-- A request that reached a community: its inbox. status: open, done,
-- declined (不在清单内: sent to the approver, counted against the
-- department); a decline the approver overrules opens the task again.
CREATE TABLE admission_tasks (
	id {{pk}},
	request_id BIGINT NOT NULL REFERENCES admission_requests (id),
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	status TEXT NOT NULL,
	done_at {{timestamp}},
	evidence TEXT NOT NULL DEFAULT '',
	declined_at {{timestamp}},
	decline_reason TEXT NOT NULL DEFAULT '',
	decline_upheld {{bool}},
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	UNIQUE (request_id, community_code)
);
CREATE INDEX admission_tasks_community ON admission_tasks (community_code, status, id);

-- Signboards (挂牌) and ledgers (台账) a community was made to keep, so
-- that their number can fall: removed_at set when taken down or dropped.
CREATE TABLE admission_burdens (
	id {{pk}},
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	department TEXT NOT NULL DEFAULT '',
	request_id BIGINT REFERENCES admission_requests (id),
	registered_on TEXT NOT NULL,
	removed_on TEXT NOT NULL DEFAULT '',
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX admission_burdens_community ON admission_burdens (community_code, id);

-- Burden figures per month, kept with every write at every level (the
-- community, its subdistrict, district and city: region_code) and per
-- department (dept_id 0: all departments). metric names a figure
-- (tasks, hours, forms, signboards, …); n is its count, hours its
-- estimated hours.
CREATE TABLE admission_counts (
	month TEXT NOT NULL,
	region_code TEXT NOT NULL,
	dept_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	n BIGINT NOT NULL,
	hours DOUBLE PRECISION NOT NULL DEFAULT 0,
	PRIMARY KEY (region_code, month, dept_id, metric)
);

-- A certificate a community issued from a listed certificate item. The
-- holder's name, ID number and what is certified are personal data,
-- sealed with the data key; code_hash is the keyed hash of the
-- verification code printed on it, by which anyone checks it.
CREATE TABLE admission_certificates (
	id {{pk}},
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	item_id BIGINT NOT NULL REFERENCES admission_items (id),
	number TEXT NOT NULL UNIQUE,
	holder_enc TEXT NOT NULL,
	id_masked TEXT NOT NULL DEFAULT '',
	statement_enc TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	issued_on TEXT NOT NULL,
	issued_by TEXT NOT NULL,
	code_hash TEXT NOT NULL UNIQUE,
	code_enc TEXT NOT NULL,
	revoked_at {{timestamp}},
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX admission_certificates_community ON admission_certificates (community_code, id);

-- The gate's two periods, in working days (the calendar cases use): how
-- long before its start an off-list request must be filed, and how long
-- the approver has to decide it. One row.
CREATE TABLE admission_settings (
	id INTEGER PRIMARY KEY,
	lead_days INTEGER NOT NULL,
	decide_days INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
INSERT INTO admission_settings (id, lead_days, decide_days, updated_by, updated_at) VALUES (1, 30, 15, 'system', CURRENT_TIMESTAMP);
