-- The desktop → phone photo handoff (edge-core's `handoff`): one row per QR code. Only keyed
-- hashes of the three tokens are kept. Photos live in R2 under `handoffs/{id}/{part}` until
-- the desktop takes them and ends the handoff, or the cron purges them at expiry.
CREATE TABLE IF NOT EXISTS handoffs (
    id             TEXT PRIMARY KEY,
    desk_hash      TEXT NOT NULL UNIQUE,     -- the desktop's token
    link_hash      TEXT NOT NULL UNIQUE,     -- the QR link's single-use token
    upload_hash    TEXT UNIQUE,              -- the phone's upload token, set by the claim
    wanted         INTEGER NOT NULL,         -- parts asked for: bit 0 face, 1 back, 2 hand
    received       INTEGER NOT NULL DEFAULT 0,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    claimed_at_ms  INTEGER
);
CREATE INDEX IF NOT EXISTS handoffs_expiry ON handoffs (expires_at_ms);

-- What the phone sent, per part (a retake replaces the row and the R2 object).
CREATE TABLE IF NOT EXISTS handoff_photos (
    handoff_id  TEXT NOT NULL,
    part        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    flag        TEXT NOT NULL DEFAULT '',    -- capture-core QualityFlag JSON, '' if it passed
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (handoff_id, part)
);
