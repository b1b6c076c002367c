-- The agent console's accounts, sessions and audit log (edge-core's `auth` and `audit`).

-- Named accounts only. `password` is a PHC string ($pbkdf2-sha256$i=…,l=32$salt$hash).
CREATE TABLE IF NOT EXISTS accounts (
    username         TEXT PRIMARY KEY,          -- lower-case, 3–32 of a-z 0-9 . _ -
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL,             -- agent | lead | admin | compliance
    store            TEXT NOT NULL DEFAULT '',  -- the store an agent or lead belongs to
    password         TEXT NOT NULL,
    disabled         INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,-- wrong passwords in a row
    locked_until_ms  INTEGER,
    created_at_ms    INTEGER NOT NULL,
    updated_at_ms    INTEGER NOT NULL
);

-- Sessions: the opaque cookie token is kept only as a keyed hash; the CSRF token is sent to
-- the console with the session and checked on every state-changing call.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash     TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    csrf           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    seen_ms        INTEGER NOT NULL,
    ip_hash        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);

-- Append-only, hash-chained: each row's hash covers the previous row's hash and its fields.
CREATE TABLE IF NOT EXISTS audit_log (
    seq        INTEGER PRIMARY KEY,   -- 1, 2, 3 …: two appends cannot take the same number
    at_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
