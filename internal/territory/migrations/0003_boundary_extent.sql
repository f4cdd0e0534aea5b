-- The box around each outline (WGS-84), so that the base map reads only
-- the outlines in view. Filled by SetBoundary; outlines stored before
-- this migration are filled once at start-up (territory.Service.Start).
ALTER TABLE territory_boundaries ADD COLUMN min_lon DOUBLE PRECISION;
ALTER TABLE territory_boundaries ADD COLUMN min_lat DOUBLE PRECISION;
ALTER TABLE territory_boundaries ADD COLUMN max_lon DOUBLE PRECISION;
ALTER TABLE territory_boundaries ADD COLUMN max_lat DOUBLE PRECISION;
