-- The case page lists the reports merged into a case.
CREATE INDEX cases_merged ON cases(merged_into) WHERE merged_into IS NOT NULL;
