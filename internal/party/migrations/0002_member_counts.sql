-- Members and model households per grid or community, kept in step with
-- every member written, so that city-wide coverage reports read thousands
-- of rows instead of every member.
CREATE TABLE party_member_counts (
	region_code TEXT PRIMARY KEY,
	members INTEGER NOT NULL,
	model_households INTEGER NOT NULL
);
INSERT INTO party_member_counts (region_code, members, model_households)
SELECT region_code, COUNT(*), SUM(CASE WHEN model_household THEN 1 ELSE 0 END) FROM party_members GROUP BY region_code;
