-- The change feed: one version per topic and shard, bumped in the
-- transaction of every write that other instances must learn about
-- (package change). Shards spread the writers of a busy topic over
-- several rows, so they do not all queue on one row lock.
CREATE TABLE platform_changes (
	topic TEXT NOT NULL,
	shard INTEGER NOT NULL,
	version BIGINT NOT NULL,
	PRIMARY KEY (topic, shard)
);
