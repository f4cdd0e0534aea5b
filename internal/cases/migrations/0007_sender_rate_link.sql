-- A repeat of an external id is one sender's repeat: the account that sent
-- it (a person, or an integration account for its own system). Two senders
-- may use the same id. Cases from before keep their channel as sender.
ALTER TABLE cases ADD COLUMN sender TEXT;
UPDATE cases SET sender = 'channel:' || channel WHERE external_id IS NOT NULL;
DROP INDEX cases_external;
CREATE UNIQUE INDEX cases_sender_external ON cases(sender, external_id);

-- The reporter's rating link, sealed, for the staff who make call-backs;
-- it is no longer written into the timeline the rated unit reads.
ALTER TABLE cases ADD COLUMN rate_link TEXT NOT NULL DEFAULT '';
UPDATE case_events SET detail = '{}' WHERE action = 'close' AND detail LIKE '%rate_link%';
