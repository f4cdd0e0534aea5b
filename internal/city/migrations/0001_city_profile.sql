-- The city profile: one row (id 1), set once from the command line or the
-- city administrator's page. Centre and bounds are NULL unless set by
-- hand (the maps then frame the imported outlines and grids); hours are
-- written HH:MM-HH:MM,… and the summer season MM-DD:MM-DD.
CREATE TABLE city_profile (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	code TEXT NOT NULL REFERENCES territory_regions (code),
	name TEXT NOT NULL,
	public_url TEXT NOT NULL DEFAULT '',
	jurisdiction TEXT NOT NULL DEFAULT '',
	centre_lon DOUBLE PRECISION,
	centre_lat DOUBLE PRECISION,
	bounds_west DOUBLE PRECISION,
	bounds_south DOUBLE PRECISION,
	bounds_east DOUBLE PRECISION,
	bounds_north DOUBLE PRECISION,
	hours TEXT NOT NULL,
	summer_hours TEXT NOT NULL DEFAULT '',
	summer TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
