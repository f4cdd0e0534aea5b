-- Community workers (社区工作者) and the reserve pool of community Party
-- secretaries (社区党组织书记后备人才库).
CREATE TABLE workforce_workers (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	name TEXT NOT NULL,
	post TEXT NOT NULL,
	certificate TEXT NOT NULL,
	education TEXT NOT NULL,
	training_hours INTEGER NOT NULL DEFAULT 0,
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX workforce_workers_region ON workforce_workers (region_code, id);

CREATE TABLE workforce_reserve (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	name TEXT NOT NULL,
	current_post TEXT NOT NULL,
	assessment TEXT NOT NULL DEFAULT '',
	score INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	filed_on TEXT NOT NULL DEFAULT '',
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX workforce_reserve_region ON workforce_reserve (region_code, id);
