-- Keys by which a free-text address finds its building (MatchAddress):
-- the standard address normalised (full-width forms, 号楼/幢/座 → 栋,
-- Chinese numerals, punctuation) without the names of the divisions it
-- lies in; the street before the first number and the numbers with their
-- units (1299号5栋), for near misses; and the compound's name with the
-- building's (阳光花园3栋). Written in Go when a building is created;
-- buildings from before are filled at start (FillAddressKeys).
ALTER TABLE registry_buildings ADD COLUMN match_key TEXT NOT NULL DEFAULT '';
ALTER TABLE registry_buildings ADD COLUMN street_key TEXT NOT NULL DEFAULT '';
ALTER TABLE registry_buildings ADD COLUMN number_key TEXT NOT NULL DEFAULT '';
ALTER TABLE registry_buildings ADD COLUMN alias_key TEXT NOT NULL DEFAULT '';
CREATE INDEX registry_buildings_match ON registry_buildings (match_key);
CREATE INDEX registry_buildings_street ON registry_buildings (street_key);
CREATE INDEX registry_buildings_numbers ON registry_buildings (number_key);
CREATE INDEX registry_buildings_alias ON registry_buildings (alias_key);
