-- Counts kept for every level, so a dashboard reads its children's rows
-- (a few hundred) instead of summing every grid of a city: cases per
-- parent, child and status; cases per month and class for the community,
-- subdistrict, district and city.
CREATE TABLE case_level_counts (
	parent_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	status TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (parent_code, region_code, status)
);
INSERT INTO case_level_counts (parent_code, region_code, status, n)
	SELECT substr(region_code, 1, 12), region_code, status, SUM(n) FROM case_counts WHERE length(region_code) = 15 GROUP BY 1, 2, 3;
INSERT INTO case_level_counts (parent_code, region_code, status, n)
	SELECT substr(region_code, 1, 9), substr(region_code, 1, 12), status, SUM(n) FROM case_counts GROUP BY 1, 2, 3;
INSERT INTO case_level_counts (parent_code, region_code, status, n)
	SELECT substr(region_code, 1, 6), substr(region_code, 1, 9), status, SUM(n) FROM case_counts GROUP BY 1, 2, 3;
INSERT INTO case_level_counts (parent_code, region_code, status, n)
	SELECT substr(region_code, 1, 4), substr(region_code, 1, 6), status, SUM(n) FROM case_counts GROUP BY 1, 2, 3;
DROP TABLE case_counts;
INSERT INTO case_month_counts (month, region_code, class, n)
	SELECT month, substr(region_code, 1, 9), class, SUM(n) FROM case_month_counts WHERE length(region_code) = 12 GROUP BY 1, 2, 3;
INSERT INTO case_month_counts (month, region_code, class, n)
	SELECT month, substr(region_code, 1, 6), class, SUM(n) FROM case_month_counts WHERE length(region_code) = 12 GROUP BY 1, 2, 3;
INSERT INTO case_month_counts (month, region_code, class, n)
	SELECT month, substr(region_code, 1, 4), class, SUM(n) FROM case_month_counts WHERE length(region_code) = 12 GROUP BY 1, 2, 3;
