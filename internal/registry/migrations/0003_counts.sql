-- Totals per grid (or community), kept in step with every write, so that
-- reports over a whole city read thousands of rows, not millions.
CREATE TABLE registry_region_counts (
	region_code TEXT PRIMARY KEY,
	residents INTEGER NOT NULL,
	floating INTEGER NOT NULL,
	households INTEGER NOT NULL,
	buildings INTEGER NOT NULL
);
-- Names and pinyin initials are searched by prefix, as people type them.
CREATE INDEX registry_people_name_prefix ON registry_people (name);
CREATE INDEX registry_people_initials_prefix ON registry_people (name_initials);
INSERT INTO registry_region_counts (region_code, residents, floating, households, buildings)
SELECT r.code,
	(SELECT COUNT(*) FROM registry_people p WHERE p.region_code = r.code AND p.moved_out_at IS NULL AND p.residence <> 'floating'),
	(SELECT COUNT(*) FROM registry_people p WHERE p.region_code = r.code AND p.moved_out_at IS NULL AND p.residence = 'floating'),
	(SELECT COUNT(*) FROM registry_households h WHERE h.region_code = r.code),
	(SELECT COUNT(*) FROM registry_buildings b WHERE b.region_code = r.code)
FROM territory_regions r WHERE r.level IN ('grid', 'community');
DELETE FROM registry_region_counts WHERE residents = 0 AND floating = 0 AND households = 0 AND buildings = 0;
