-- A password set by someone else (an account made or reset by a manager)
-- must be changed by its holder at the first sign-in, before anything
-- else: the manager who knew it cannot use the account unseen.
ALTER TABLE account_users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
