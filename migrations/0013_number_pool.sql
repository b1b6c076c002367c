-- 选号: the numbers an operator loads per product, for customers to choose from. A number is
-- free, held by one order attempt for 15 minutes (the keyed hash of the attempt's hold token),
-- taken by an order in flight, or sold once its order ships. Every move is one conditional
-- statement, so two customers never hold the same number; a hold whose time ran out counts as
-- free without any sweep.

CREATE TABLE IF NOT EXISTS number_pool (
    product_id      TEXT NOT NULL,
    number          TEXT NOT NULL,               -- 11 digits, checked by the mobile validator
    state           TEXT NOT NULL DEFAULT 'free',-- free | held | ordered | sold
    hold_hash       TEXT,                        -- keyed hash of the hold token (held)
    held_until_ms   INTEGER,                     -- when the hold ends (held)
    order_id        TEXT,                        -- the order carrying it (ordered, sold)
    added_at_ms     INTEGER NOT NULL,
    sold_at_ms      INTEGER,
    PRIMARY KEY (product_id, number)
);
CREATE INDEX IF NOT EXISTS number_pool_choice ON number_pool (product_id, state, number);
CREATE INDEX IF NOT EXISTS number_pool_hold ON number_pool (hold_hash);
CREATE INDEX IF NOT EXISTS number_pool_order ON number_pool (order_id);
