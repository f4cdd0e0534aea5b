-- The approver's review of a community's decline: who reviewed it and
-- what they wrote, shown on the task (upheld or overruled).
ALTER TABLE admission_tasks ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE admission_tasks ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
