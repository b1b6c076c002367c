-- Orders that reach the vendor: the catalogue, orders, their events, vendor callbacks, and
-- identity pre-check results. PII (name, mobile, ID number, address) is stored sealed
-- (AES-256-GCM, key from the PII_KEY secret, "v1.…"); lookups use keyed hashes.

-- The catalogue. An operator changes it with one statement, no deploy:
--   npx wrangler d1 execute DB --remote --command "UPDATE products SET active = 0 WHERE pid = '2188'"
CREATE TABLE IF NOT EXISTS products (
    pid            TEXT PRIMARY KEY,            -- the vendor's product id
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    monthly_fen    INTEGER NOT NULL,            -- monthly price in fen
    needs_photos   INTEGER NOT NULL DEFAULT 0,  -- 三照
    needs_phone3   INTEGER NOT NULL DEFAULT 0,  -- pre-check also runs phone three-factor
    min_age        INTEGER NOT NULL,
    max_age        INTEGER NOT NULL,
    deny_keywords  TEXT NOT NULL DEFAULT '',    -- comma-separated address keywords refused
    active         INTEGER NOT NULL DEFAULT 1,
    sort           INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO products (pid, name_zh, name_en, monthly_fen, needs_photos, needs_phone3, min_age, max_age, deny_keywords, sort) VALUES
    ('2188', '星光流量卡', 'Xingguang data card', 2900, 0, 0, 16, 60, '', 1),
    ('2201', '星光大王卡（需三照）', 'Xingguang king card (three photos)', 3900, 1, 1, 18, 60, '快递,驿站,菜鸟,代收,自提,学校', 2);

CREATE TABLE IF NOT EXISTS orders (
    id                TEXT PRIMARY KEY,          -- ours: HK + China time + random
    api_xid           TEXT NOT NULL UNIQUE,      -- minted with the order, never changed
    idempotency_key   TEXT NOT NULL UNIQUE,      -- the browser's Idempotency-Key
    request_hash      TEXT NOT NULL,             -- SHA-256 of the request (fields + photos)
    product_id        TEXT NOT NULL,
    needs_photos      INTEGER NOT NULL,
    needs_phone3      INTEGER NOT NULL,
    state             TEXT NOT NULL,             -- haoka_shared::lifecycle::OrderState
    name_enc          TEXT NOT NULL,
    mobile_enc        TEXT NOT NULL,
    id_number_enc     TEXT NOT NULL,
    address_enc       TEXT NOT NULL,
    id_hash           TEXT NOT NULL,             -- keyed hash of the ID number
    order_province    TEXT NOT NULL,             -- "省 市 区"
    number            TEXT NOT NULL DEFAULT '',  -- chosen number (haoma)
    photos            INTEGER NOT NULL DEFAULT 0,-- 1 while the three photos are in R2
    photos_expire_ms  INTEGER,                   -- purge time for the photos
    apiorder          TEXT,                      -- the vendor's order number
    vendor_status     TEXT,                      -- the vendor's last status text
    send_attempts     INTEGER NOT NULL DEFAULT 0,
    check_attempts    INTEGER NOT NULL DEFAULT 0,
    next_try_ms       INTEGER,                   -- when background work is next due
    lease_until_ms    INTEGER,                   -- one worker at a time sends an order
    last_error        TEXT,                      -- for operators; never shown to customers
    reason_code       TEXT,                      -- RejectReason / pre-check code
    express           TEXT,
    express_no        TEXT,
    consent_at_ms     INTEGER NOT NULL,          -- the customer agreed to the processing notice
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_state ON orders (state, updated_at_ms);
CREATE INDEX IF NOT EXISTS orders_id_hash ON orders (id_hash, state);
CREATE INDEX IF NOT EXISTS orders_due ON orders (next_try_ms);

-- Every transition: time, source (customer / vendor_reply / callback / retry / operator), old → new.
CREATE TABLE IF NOT EXISTS order_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    source      TEXT NOT NULL,
    from_state  TEXT,                            -- NULL for the order's creation
    to_state    TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''         -- operator-facing, no PII
);
CREATE INDEX IF NOT EXISTS order_events_order ON order_events (order_id, seq);

-- Vendor callbacks, raw and parsed. A repeat (same order, same body) is stored once.
CREATE TABLE IF NOT EXISTS vendor_callbacks (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      TEXT NOT NULL,
    body_hash     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    raw           TEXT NOT NULL,
    status_text   TEXT NOT NULL,
    received_ms   INTEGER NOT NULL,
    UNIQUE (order_id, body_hash)
);

-- Passed identity checks, reused for 24 h (keyed hash of name + ID (+ mobile)).
CREATE TABLE IF NOT EXISTS identity_checks (
    person_hash   TEXT PRIMARY KEY,
    method        TEXT NOT NULL,                 -- namecheck / phone3 / mobilecheck
    passed_ms     INTEGER NOT NULL
);

-- Fixed-window rate limits (status lookups per IP, pre-checks per IP).
CREATE TABLE IF NOT EXISTS rate_limits (
    bucket        TEXT PRIMARY KEY,              -- "{what}:{keyed hash of ip}:{window}"
    hits          INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
