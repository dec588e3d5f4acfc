-- Recipients (issue 3): the local directory (catch-all, LMTP, aliases, lists), SMTP routes, the
-- durable outbox and per-recipient delivery records. Portable SQL (H2 now, PostgreSQL later).

-- Per domain: a catch-all address, and LMTP ("host:port" or "unix:/path") instead of Maildir.
ALTER TABLE local_domain ADD COLUMN catch_all VARCHAR(320);
ALTER TABLE local_domain ADD COLUMN lmtp VARCHAR(400);

-- An alias forwards to one or more addresses (each may be another alias, a list or a mailbox).
CREATE TABLE alias (
    address     VARCHAR(320) PRIMARY KEY,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE alias_target (
    alias_address VARCHAR(320) NOT NULL REFERENCES alias(address) ON DELETE CASCADE,
    target        VARCHAR(320) NOT NULL,
    PRIMARY KEY (alias_address, target)
);

-- A distribution list delivers to each member.
CREATE TABLE distribution_list (
    address     VARCHAR(320) PRIMARY KEY,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE list_member (
    list_address VARCHAR(320) NOT NULL REFERENCES distribution_list(address) ON DELETE CASCADE,
    member       VARCHAR(320) NOT NULL,
    PRIMARY KEY (list_address, member)
);

-- A routed domain: its mail goes by SMTP to host:port instead of a local mailbox.
CREATE TABLE smtp_route (
    domain        VARCHAR(253) PRIMARY KEY,
    host          VARCHAR(253) NOT NULL,
    port          INTEGER      NOT NULL,
    tls           BOOLEAN      NOT NULL,
    user_name     VARCHAR(320),
    password_enc  VARCHAR(2000),
    enabled       BOOLEAN      NOT NULL DEFAULT TRUE
);

-- Routed mail waiting for (or done with) its SMTP target. The message bytes are a file under
-- <data-dir>/outbox/, fsynced before the row is committed; the row is committed before the UIDL's
-- ledger row. One row per (account, UIDL, route): a message fetched again after a crash is not
-- queued twice. Rows stay after delivery (state SENT, file removed) for exactly that check.
CREATE TABLE outbox (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT       NOT NULL REFERENCES external_account(id) ON DELETE CASCADE,
    uidl            VARCHAR(512) NOT NULL,
    route_domain    VARCHAR(253) NOT NULL,
    envelope_from   VARCHAR(320) NOT NULL,
    recipients      VARCHAR(8000) NOT NULL,    -- still to deliver (WAITING) or given up on (FAILED)
    failed_recipients VARCHAR(8000),           -- refused permanently so far
    file_name       VARCHAR(200) NOT NULL,
    size_bytes      BIGINT       NOT NULL,
    state           VARCHAR(10)  NOT NULL,     -- WAITING, SENT, FAILED
    attempts        INTEGER      NOT NULL DEFAULT 0,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_error      VARCHAR(2000),
    CONSTRAINT outbox_once UNIQUE (account_id, uidl, route_domain)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- A recipient that has the message although its UIDL is not in the ledger yet (LMTP accepted it
-- while another recipient was deferred): the next session delivers only to the others.
CREATE TABLE recipient_delivery (
    account_id   BIGINT       NOT NULL REFERENCES external_account(id) ON DELETE CASCADE,
    uidl         VARCHAR(512) NOT NULL,
    recipient    VARCHAR(320) NOT NULL,
    delivered_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account_id, uidl, recipient)
);
