-- The extensions waiting for approval: few rows in a city of millions,
-- which the workbench counts and the list shows from this index alone
-- (as cases_supervised does for supervised cases).
CREATE INDEX cases_extension_asked ON cases(id) WHERE extension_asked > 0;
