-- The edge holds under races and abuse (issue 14).

-- The walking skeleton's draft endpoint is gone, and with it the only table that kept a
-- customer's name, ID number, mobile and address in clear.
DROP INDEX IF EXISTS draft_orders_created;
DROP TABLE IF EXISTS draft_orders;

-- A job lease names its holder: only the holder renews or releases it, so a consumer whose
-- lease ran out can never free (or overwrite) the next holder's.
ALTER TABLE orders ADD COLUMN lease_owner TEXT;
-- Background steps that failed in a row (a D1 error, a data error): backed off, and flagged
-- for an operator (`flagged_ms`) after JOB_FLAG_AFTER failures instead of being retried at the
-- head of the line for ever.
ALTER TABLE orders ADD COLUMN job_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN flagged_ms INTEGER;
-- Status lookups by order number + the ID number's last 6: wrong answers in a row, and until
-- when the order refuses lookups after LOOKUP_MISSES_MAX of them.
ALTER TABLE orders ADD COLUMN lookup_misses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN lookup_locked_until_ms INTEGER;
-- Who ordered, as keyed hashes only: the device the browser says it is (a random id it keeps)
-- and the client's address (IPv6 by /64), for the per-device and per-address budgets' audit.
ALTER TABLE orders ADD COLUMN device_hash TEXT;

-- Audit entries written for throttled sign-ins: one per address and window, not one per try.
CREATE TABLE IF NOT EXISTS audit_once (
    bucket      TEXT PRIMARY KEY,   -- "{what}:{keyed hash}:{window}"
    expires_ms  INTEGER NOT NULL
);

-- The audit chain is keyed from here on (HMAC-SHA256 under AUDIT_KEY, edge-core's `audit`).
-- Entries written before were hashed without a key: they are kept, apart, and the keyed
-- chain starts afresh at 1.
CREATE TABLE IF NOT EXISTS audit_log_legacy AS SELECT * FROM audit_log;
DELETE FROM audit_log;

-- What the retention purge cut: entries up to `upto`, the last of which had `cut_hash`, sealed
-- under the audit key. Deleting an entry is refused unless a purge record covers it.
CREATE TABLE IF NOT EXISTS audit_purges (
    upto      INTEGER PRIMARY KEY,
    cut_hash  TEXT NOT NULL,
    seal      TEXT NOT NULL,
    at_ms     INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > COALESCE((SELECT MAX(upto) FROM audit_purges), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are deleted only by the retention purge');
END;

-- The chain head as the cron saw it on each pass (also written to R2): reads verify a page
-- from the nearest checkpoint before it, not from the first entry.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq    INTEGER PRIMARY KEY,
    hash   TEXT NOT NULL,
    at_ms  INTEGER NOT NULL
);
