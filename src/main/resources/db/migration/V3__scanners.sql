-- Issue 4: quarantine (spam above the delete score, virus mail, unscanned mail by policy) and the
-- internal date taken from the Received header. Portable SQL (H2 now, PostgreSQL later).

-- No foreign key to external_account: quarantined mail outlives its account (nothing is dropped).
CREATE TABLE quarantine_item (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT        NOT NULL,
    uidl            VARCHAR(512)  NOT NULL,
    owner_address   VARCHAR(320)  NOT NULL,
    kind            VARCHAR(20)   NOT NULL,
    reason          VARCHAR(1000) NOT NULL,
    sender          VARCHAR(1000),
    subject         VARCHAR(1000),
    size_bytes      BIGINT        NOT NULL,
    file_name       VARCHAR(200)  NOT NULL,
    quarantined_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE (account_id, uidl)
);

-- "Retrieve date from Received headers": the internal date used for the Maildir file's mtime is
-- kept with the message's ledger row (the delivery record); NULL when the option is off.
ALTER TABLE uidl_ledger ADD COLUMN internal_date TIMESTAMP WITH TIME ZONE;
