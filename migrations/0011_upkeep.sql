-- Where the cron's background passes left off (issue 14): the photo orphan sweep keeps the
-- last R2 key it looked at per prefix, so a bucket larger than one pass is walked in turns.
CREATE TABLE upkeep_cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
