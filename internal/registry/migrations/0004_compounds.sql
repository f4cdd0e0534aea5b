-- Residential compounds (小区) with their property company, and building
-- footprints (GeoJSON polygons, WGS-84) beside the building's point.
CREATE TABLE registry_compounds (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	name TEXT NOT NULL,
	address TEXT NOT NULL,
	property_company TEXT NOT NULL DEFAULT '',
	geometry TEXT NOT NULL DEFAULT '',
	created_at {{timestamp}} NOT NULL,
	UNIQUE (region_code, name)
);
ALTER TABLE registry_buildings ADD COLUMN compound_id BIGINT REFERENCES registry_compounds (id);
ALTER TABLE registry_buildings ADD COLUMN footprint TEXT NOT NULL DEFAULT '';
