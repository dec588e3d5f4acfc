-- Issue 13: several nodes on one database. Portable SQL (H2 and PostgreSQL).

-- Settings every node must agree on, recorded by the first node that starts (mailfetch.maildir.root,
-- mailfetch.spool.root): a node configured otherwise refuses to start instead of delivering into a
-- tree the others never look at. setting_value is the configured absolute path, or "<data-dir>/…"
-- for the default on the embedded database (the tree follows the data dir when it is moved).
CREATE TABLE cluster_setting (
    setting_name   VARCHAR(100)  PRIMARY KEY,
    setting_value  VARCHAR(4000) NOT NULL,
    recorded_by    VARCHAR(63)   NOT NULL,
    recorded_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The node (mailfetch.node.name) that ran the account's last session.
ALTER TABLE account_status ADD COLUMN last_node VARCHAR(63);
