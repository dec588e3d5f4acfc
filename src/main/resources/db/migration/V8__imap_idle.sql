-- IMAP IDLE: whether the account's IDLE connections are all up (written by the running service),
-- and why not when they are not (no IDLE on the server, reconnecting after an error).
ALTER TABLE account_status ADD COLUMN idle_live BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE account_status ADD COLUMN idle_note VARCHAR(2000);
