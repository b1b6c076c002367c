-- Draft orders: what a customer submitted and the edge re-validated, before any upstream call.
CREATE TABLE IF NOT EXISTS draft_orders (
    id             TEXT PRIMARY KEY,              -- minted by the edge: DR + China time + random
    product_id     TEXT NOT NULL,                 -- vendor pid
    name           TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    order_province TEXT NOT NULL,                 -- "省 市 区", the vendor's form
    address        TEXT NOT NULL,
    number         TEXT NOT NULL DEFAULT '',      -- chosen number (haoma), empty if none
    status         TEXT NOT NULL DEFAULT 'draft',
    created_at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS draft_orders_created ON draft_orders (created_at_ms);
