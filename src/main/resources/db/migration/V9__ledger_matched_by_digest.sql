-- A row re-keyed after a UIDVALIDITY change was matched to the listed message by a digest of its
-- folder, Message-ID, INTERNALDATE and size only, not by its content: a server (or anyone who can
-- APPEND with a chosen INTERNALDATE) could make other mail match. Such rows keep that mail from
-- being delivered twice, but mailfetch never deletes or moves a message on their word alone.
ALTER TABLE uidl_ledger ADD COLUMN matched_by_digest BOOLEAN DEFAULT FALSE NOT NULL;
