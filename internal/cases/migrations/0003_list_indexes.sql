-- Indexes the lists walk at city scale: a status newest first, the
-- supervised cases, and the open cases by deadline with what the overdue
-- counts read (so they count from the index alone).
CREATE INDEX cases_status_id ON cases(status, id);
CREATE INDEX cases_supervised ON cases(id) WHERE supervised = TRUE;
CREATE INDEX cases_due_cover ON cases(step_due_at, status, region_code, step_warn_at) WHERE step_due_at IS NOT NULL;
DROP INDEX cases_due;
