-- The special-care residents of every grid (or community) are kept with
-- the other totals, so that a workbench and a list read one row a grid
-- instead of every resident's tags. The tags are those of CareTags.
ALTER TABLE registry_region_counts ADD COLUMN care INTEGER NOT NULL DEFAULT 0;
UPDATE registry_region_counts SET care = (SELECT COUNT(*) FROM registry_people p
	WHERE p.region_code = registry_region_counts.region_code AND p.moved_out_at IS NULL AND (
		(',' || p.tags || ',') LIKE '%,elderly_alone,%' OR (',' || p.tags || ',') LIKE '%,disability,%'
		OR (',' || p.tags || ',') LIKE '%,subsistence,%' OR (',' || p.tags || ',') LIKE '%,veteran,%'
		OR (',' || p.tags || ',') LIKE '%,left_behind_child,%' OR (',' || p.tags || ',') LIKE '%,key_care,%'))
WHERE EXISTS (SELECT 1 FROM registry_people p WHERE p.region_code = registry_region_counts.region_code AND p.tags <> '');
