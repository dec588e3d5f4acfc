-- Portable SQL (H2 now, PostgreSQL later): no vendor types, no auto-increment syntax.
CREATE SEQUENCE id_seq START WITH 1;

CREATE TABLE local_domain (
    name        VARCHAR(253) PRIMARY KEY,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE mailbox (
    address     VARCHAR(320) PRIMARY KEY,
    domain      VARCHAR(253) NOT NULL REFERENCES local_domain(name),
    local_part  VARCHAR(64)  NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE external_account (
    id                  BIGINT PRIMARY KEY,
    name                VARCHAR(200) NOT NULL,
    enabled             BOOLEAN NOT NULL,
    protocol            VARCHAR(10)  NOT NULL,
    host                VARCHAR(253) NOT NULL,
    port                INTEGER      NOT NULL,
    security            VARCHAR(20)  NOT NULL,
    user_name           VARCHAR(320) NOT NULL,
    password_enc        VARCHAR(2000) NOT NULL,
    trust_cert_pem      VARCHAR(20000),
    interval_minutes    INTEGER      NOT NULL,
    mime_recipients     BOOLEAN      NOT NULL,
    recipient_headers   VARCHAR(1000) NOT NULL,
    envelope_headers    VARCHAR(1000) NOT NULL,
    route_recipients    BOOLEAN      NOT NULL,
    received_date       BOOLEAN      NOT NULL,
    antispam            BOOLEAN      NOT NULL,
    antivirus           BOOLEAN      NOT NULL,
    delete_mode         VARCHAR(20)  NOT NULL,
    delete_after_days   INTEGER      NOT NULL,
    owner_address       VARCHAR(320) NOT NULL REFERENCES mailbox(address),
    created_at          TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE uidl_ledger (
    account_id          BIGINT       NOT NULL REFERENCES external_account(id) ON DELETE CASCADE,
    uidl                VARCHAR(512) NOT NULL,
    first_downloaded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account_id, uidl)
);

CREATE TABLE account_status (
    account_id          BIGINT PRIMARY KEY REFERENCES external_account(id) ON DELETE CASCADE,
    running             BOOLEAN NOT NULL DEFAULT FALSE,
    last_start          TIMESTAMP WITH TIME ZONE,
    last_end            TIMESTAMP WITH TIME ZONE,
    last_result         VARCHAR(20),
    last_error          VARCHAR(2000),
    downloaded          INTEGER NOT NULL DEFAULT 0,
    delivered           INTEGER NOT NULL DEFAULT 0,
    deleted             INTEGER NOT NULL DEFAULT 0,
    failed              INTEGER NOT NULL DEFAULT 0,
    bytes               BIGINT  NOT NULL DEFAULT 0,
    total_downloaded    BIGINT  NOT NULL DEFAULT 0,
    total_bytes         BIGINT  NOT NULL DEFAULT 0,
    login_failures      INTEGER NOT NULL DEFAULT 0,
    backoff_until       TIMESTAMP WITH TIME ZONE,
    next_run            TIMESTAMP WITH TIME ZONE
);

-- One fetch session per account at a time, across processes (service and CLI share the database).
CREATE TABLE account_lease (
    account_id  BIGINT PRIMARY KEY REFERENCES external_account(id) ON DELETE CASCADE,
    holder      VARCHAR(200) NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
