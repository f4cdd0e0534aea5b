-- Overdue and about-to-be-overdue cases per community, subdistrict,
-- district and city, counted by the deadline sweep every minute.
CREATE TABLE case_due_counts (
	region_code TEXT PRIMARY KEY,
	overdue BIGINT NOT NULL,
	due_soon BIGINT NOT NULL,
	counted_at {{timestamp}} NOT NULL
);
