-- The match keys are made again, at start (FillAddressKeys), by the rule
-- that now cuts a division's name off the front of both a building's
-- address and a typed one: a district followed by a street beginning with
-- 大 (东湖区大士院北区路) used to stay in front of the building's key, and
-- a village (东湖村委会) used to be read as 东湖, the start of 东湖区.
UPDATE registry_buildings SET match_key = '', street_key = '', number_key = '', alias_key = '';
