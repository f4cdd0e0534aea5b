-- Records can be corrected: organisations and members get a version, so
-- that an edit made from a stale page is refused instead of overwriting
-- another's.
ALTER TABLE party_orgs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE party_members ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
