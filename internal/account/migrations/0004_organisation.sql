-- A property company's accounts name their company: they see and handle
-- the cases dispatched to it, not another company's.
ALTER TABLE account_users ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
