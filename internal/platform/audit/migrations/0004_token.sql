-- The API token an actor acted with (account_tokens.id), NULL for a
-- session or system work: a leaked token's actions can be told from its
-- holder's own.
ALTER TABLE audit_log ADD COLUMN token_id BIGINT;
