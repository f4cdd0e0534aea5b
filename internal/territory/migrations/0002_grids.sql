-- Grids (网格): polygons inside one community, coded community code + 3
-- digits (GB/T 30428.1 unit grid). Each grid is also a row of
-- territory_regions at level 'grid', so scope and counts treat it like any
-- division. Geometry is a GeoJSON Polygon in WGS-84.
CREATE TABLE territory_grids (
	code TEXT PRIMARY KEY REFERENCES territory_regions (code),
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	geometry TEXT NOT NULL,
	min_lon DOUBLE PRECISION NOT NULL,
	min_lat DOUBLE PRECISION NOT NULL,
	max_lon DOUBLE PRECISION NOT NULL,
	max_lat DOUBLE PRECISION NOT NULL,
	area_m2 DOUBLE PRECISION NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX territory_grids_community ON territory_grids (community_code, code);

-- Known boundaries of divisions (districts, subdistricts, communities), in
-- WGS-84. approximate marks outlines that are not surveyed data.
CREATE TABLE territory_boundaries (
	region_code TEXT PRIMARY KEY REFERENCES territory_regions (code),
	geometry TEXT NOT NULL,
	source TEXT NOT NULL,
	approximate {{bool}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
