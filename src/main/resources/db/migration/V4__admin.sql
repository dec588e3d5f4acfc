-- The web/REST administrator. Only the user `admin` exists; until `admin set-password` stores its
-- hash, the REST API and the web page answer 401 to everything. Portable SQL.
CREATE TABLE admin_user (
    name            VARCHAR(64)  PRIMARY KEY,
    password_hash   VARCHAR(400) NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
