-- The agent console's identity checks (the 27 RealMe checks and phone three-factor) and the
-- cases that group them. Inputs are kept sealed (AES-256-GCM under PII_KEY) without images or
-- carrier secrets, which are never stored; lists show the masked copy; search goes through
-- keyed hashes of the ID number and the mobile.

CREATE TABLE IF NOT EXISTS cases (
    id              TEXT PRIMARY KEY,            -- CS + China time + random
    agent           TEXT NOT NULL,               -- who opened it
    store           TEXT NOT NULL,
    subject_masked  TEXT NOT NULL DEFAULT '',    -- e.g. 张* 110101********2906
    order_id        TEXT,                        -- an order it concerns, if any
    state           TEXT NOT NULL DEFAULT 'open',-- open | approved | rejected | recapture
    reason          TEXT NOT NULL DEFAULT '',
    closed_by       TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_agent ON cases (agent, created_at_ms);
CREATE INDEX IF NOT EXISTS cases_store ON cases (store, created_at_ms);

CREATE TABLE IF NOT EXISTS checks (
    id              TEXT PRIMARY KEY,            -- also RealMe's order_id
    case_id         TEXT,
    agent           TEXT NOT NULL,
    store           TEXT NOT NULL,
    check_name      TEXT NOT NULL,               -- namecheck … or phone3
    inputs_enc      TEXT NOT NULL,               -- sealed JSON, no images, no secrets
    inputs_masked   TEXT NOT NULL,               -- JSON, masked, for lists
    question_hash   TEXT NOT NULL,               -- keyed hash of check + inputs (reuse window)
    id_hash         TEXT,
    phone_hash      TEXT,
    consent_version TEXT NOT NULL,
    consent_sensitive INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL,               -- pending | settled | failed | timed_out
    verdict         TEXT,                        -- match | mismatch | no_record | …
    result_json     TEXT,                        -- edge-core CheckResult (secrets excluded)
    error_code      TEXT,                        -- upstream error, for the explanation
    error_message   TEXT,                        -- the vendor's words or the reason (detail line)
    seq_id          TEXT,
    via             TEXT NOT NULL DEFAULT 'realme', -- realme | phone3 | mobilecheck_failover | reuse
    reused_from     TEXT,
    cost_fen        INTEGER NOT NULL DEFAULT 0,
    polls           INTEGER NOT NULL DEFAULT 0,
    next_poll_ms    INTEGER,
    created_at_ms   INTEGER NOT NULL,
    settled_at_ms   INTEGER
);
CREATE INDEX IF NOT EXISTS checks_pending ON checks (state, next_poll_ms);
CREATE INDEX IF NOT EXISTS checks_question ON checks (question_hash, settled_at_ms);
CREATE INDEX IF NOT EXISTS checks_agent ON checks (agent, created_at_ms);
CREATE INDEX IF NOT EXISTS checks_case ON checks (case_id);

-- What each check costs us, in fen (an admin changes it with one statement; unknown → 0).
CREATE TABLE IF NOT EXISTS check_prices (
    check_name  TEXT PRIMARY KEY,
    fen         INTEGER NOT NULL
);
INSERT OR IGNORE INTO check_prices (check_name, fen) VALUES
    ('namecheck', 30), ('mobilecheck', 50), ('phone3', 40), ('staticfacecheck', 80),
    ('dynamicfacecheck', 100), ('cardcheck', 60), ('idcardcheck', 80), ('idcardidentify', 20),
    ('bankcardidentify', 20);
