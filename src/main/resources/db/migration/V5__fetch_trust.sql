-- What the ledger needs to tell a reused UIDL from the message it recorded (issue 8, item 9): the
-- LIST size and a digest of the delivered content, and when the server applied its DELE (a UIDL
-- seen again after that is a new message). Portable SQL.
ALTER TABLE uidl_ledger ADD COLUMN list_size BIGINT;
ALTER TABLE uidl_ledger ADD COLUMN content_digest VARCHAR(64);
ALTER TABLE uidl_ledger ADD COLUMN deleted_at TIMESTAMP WITH TIME ZONE;

-- Messages whose download failed in consecutive sessions (item 12): after
-- mailfetch.fetch.message-failures-before-skip of them the message is skipped and reported.
CREATE TABLE message_failure (
    account_id  BIGINT        NOT NULL REFERENCES external_account(id) ON DELETE CASCADE,
    uidl        VARCHAR(512)  NOT NULL,
    list_size   BIGINT,
    failures    INTEGER       NOT NULL,
    last_error  VARCHAR(2000),
    PRIMARY KEY (account_id, uidl)
);

-- Per-account override of mailfetch.fetch.max-message-size (item 6); NULL = the global setting.
ALTER TABLE external_account ADD COLUMN max_message_size BIGINT;
