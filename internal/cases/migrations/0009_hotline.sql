-- 12345 imports. The city's table from the hotline's own category names
-- (keyed as normalised: full-width forms plain, spaces dropped, path
-- separators written /) to sub-classes of the catalogue; a name an import
-- met but nobody mapped yet has an empty category.
CREATE TABLE case_hotline_categories (
	name TEXT PRIMARY KEY,
	label TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	seen INTEGER NOT NULL DEFAULT 0,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at {{timestamp}} NOT NULL
);

-- The 待定位 queue: cases whose address matched no building of the
-- registry, filed in the division the address names (the case's region
-- while it waits) for its staff to place on the map.
CREATE TABLE case_locate_queue (
	case_id BIGINT PRIMARY KEY REFERENCES cases(id),
	region_code TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX case_locate_queue_region ON case_locate_queue (region_code, case_id);
