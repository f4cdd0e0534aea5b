-- The subdistrict and community of each case, so a list of one of them
-- reads an index in id order (newest first) instead of sorting its rows.
ALTER TABLE cases ADD COLUMN sub_code TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN com_code TEXT NOT NULL DEFAULT '';
UPDATE cases SET sub_code = substr(region_code, 1, 9), com_code = substr(region_code, 1, 12);
CREATE INDEX cases_sub ON cases(sub_code, id);
CREATE INDEX cases_com ON cases(com_code, id);
