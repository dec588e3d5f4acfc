-- Issue 10, IMAP phase 1: the IMAP-only options of an account, and what the ledger needs to survive a
-- UIDVALIDITY change. Portable SQL (H2 now, PostgreSQL later).

-- No row = INBOX only, no move, no \Seen, no IDLE.
CREATE TABLE account_imap (
    account_id  BIGINT PRIMARY KEY REFERENCES external_account(id) ON DELETE CASCADE,
    move_to     VARCHAR(1000),
    mark_seen   BOOLEAN NOT NULL,
    idle        BOOLEAN NOT NULL
);

-- The folders to fetch, in order (names may hold any character, so one row each).
CREATE TABLE account_imap_folder (
    account_id  BIGINT        NOT NULL REFERENCES external_account(id) ON DELETE CASCADE,
    seq         INTEGER       NOT NULL,
    name        VARCHAR(1000) NOT NULL,
    PRIMARY KEY (account_id, seq)
);

-- SHA-256 (hex) of what identifies a message across a UIDVALIDITY change: its folder, Message-ID,
-- INTERNALDATE and size. NULL for POP3 rows.
ALTER TABLE uidl_ledger ADD COLUMN message_digest VARCHAR(64);
