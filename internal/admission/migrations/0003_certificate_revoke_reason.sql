-- Why a certificate was revoked, as its issuer gave it: shown to the
-- community that issued it, never on the public verification page.
ALTER TABLE admission_certificates ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
