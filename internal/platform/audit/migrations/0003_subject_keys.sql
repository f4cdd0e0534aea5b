-- Keys of the data subjects whose personal values audit records hold
-- sealed; erasing a subject empties its key (crypto-shredding), the audit
-- rows stay as they are.
CREATE TABLE audit_subject_keys (
	subject TEXT PRIMARY KEY,
	key_enc TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL,
	erased_at {{timestamp}}
);
