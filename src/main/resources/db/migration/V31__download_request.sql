-- "Download now" asked on one node for an account whose session runs on another: the request waits
-- here, and the node holding the account's lease runs it right after its session.
CREATE TABLE download_request (
    account_id    BIGINT PRIMARY KEY REFERENCES external_account(id) ON DELETE CASCADE,
    requested_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
