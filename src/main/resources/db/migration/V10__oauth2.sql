-- Issue 11: OAuth2 accounts. An account signs in with a password or with OAuth2, never both: an
-- OAuth2 account has a row here and no password.
ALTER TABLE external_account ALTER COLUMN password_enc DROP NOT NULL;

-- One row per OAuth2 account: how it signs in (provider and overrides), then what the provider gave.
-- Secrets (client secret, refresh and access token) are encrypted like passwords.
-- state: unauthorized (no sign-in yet, or tokens dropped by a change), authorized, needs-authorization
-- (the provider refused the refresh token: nothing is tried until the owner signs in again).
CREATE TABLE oauth2_account (
    account_id         BIGINT PRIMARY KEY REFERENCES external_account(id) ON DELETE CASCADE,
    provider           VARCHAR(2100) NOT NULL,
    client_id          VARCHAR(500),
    client_secret_enc  VARCHAR(4000),
    scope              VARCHAR(2000),
    tenant             VARCHAR(200),
    state              VARCHAR(40)   NOT NULL,
    state_note         VARCHAR(1000),
    refresh_token_enc  VARCHAR(30000),
    access_token_enc   VARCHAR(30000),
    access_obtained_at TIMESTAMP,
    access_expires_at  TIMESTAMP,
    authorized_at      TIMESTAMP,
    notice_sent_at     TIMESTAMP,
    -- bumped by every change of the tokens: a refresh or a refusal applies only to the grant it read,
    -- so a late answer for an old refresh token cannot undo a newer sign-in or a rotated token
    grant_version      BIGINT        DEFAULT 0 NOT NULL
);

-- An SMTP route may authenticate with the access token of an OAuth2 account (the same sign-in, e.g.
-- smtp.gmail.com or smtp.office365.com for the account's own address) instead of a password.
ALTER TABLE smtp_route ADD COLUMN oauth2_account_id BIGINT REFERENCES external_account(id) ON DELETE SET NULL;
