-- Household visits (走访), visit intervals per special-care tag, and grid
-- patrols (巡查). region_code is the household's grid (or community) and
-- the patrolled grid; scope applies to it like to every other table.
-- Dates are YYYY-MM-DD in China Standard Time, so that a month is a range
-- of text.

-- A visit keeps the household's address as it was when visited. The note
-- and whom the visitor met are personal data, sealed (AES-GCM) with the
-- data key; a case opened from the visit is linked by id and number.
CREATE TABLE visits_visits (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	household_id BIGINT NOT NULL,
	address TEXT NOT NULL,
	visited_on TEXT NOT NULL,
	kind TEXT NOT NULL,
	note_enc TEXT NOT NULL DEFAULT '',
	met_enc TEXT NOT NULL DEFAULT '',
	case_id BIGINT,
	case_number TEXT NOT NULL DEFAULT '',
	worker_id BIGINT NOT NULL,
	worker_name TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX visits_visits_region ON visits_visits (region_code, visited_on);
CREATE INDEX visits_visits_household ON visits_visits (household_id, visited_on);

-- Days between visits to a household with a member carrying tag, as a
-- division sets them for its subtree; the most specific division wins,
-- and where none sets a tag the default applies (visits.DefaultDays).
CREATE TABLE visits_intervals (
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	tag TEXT NOT NULL,
	days INTEGER NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	PRIMARY KEY (region_code, tag)
);

-- A patrol started and ended in the app has both times; one recorded
-- afterwards has neither, only its date and duration. Started and not
-- ended is a patrol under way.
CREATE TABLE visits_patrols (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	worker_id BIGINT NOT NULL,
	worker_name TEXT NOT NULL,
	patrolled_on TEXT NOT NULL,
	started_at {{timestamp}},
	ended_at {{timestamp}},
	minutes INTEGER NOT NULL DEFAULT 0,
	route TEXT NOT NULL DEFAULT '',
	problems INTEGER NOT NULL DEFAULT 0,
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX visits_patrols_region ON visits_patrols (region_code, patrolled_on);
CREATE INDEX visits_patrols_worker ON visits_patrols (worker_id, ended_at);

CREATE TABLE visits_patrol_cases (
	patrol_id BIGINT NOT NULL REFERENCES visits_patrols (id),
	case_id BIGINT NOT NULL,
	case_number TEXT NOT NULL,
	PRIMARY KEY (patrol_id, case_id)
);
