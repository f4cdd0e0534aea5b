-- A community's satisfaction this month (the workbench's figure) is read
-- from the month's ratings alone: a range of this index, covering, where
-- the community's index would fetch every case it ever had.
CREATE INDEX cases_com_rated ON cases(com_code, rated_at, satisfaction) WHERE rated_at IS NOT NULL;
