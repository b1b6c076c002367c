-- Settings an admin changes from the console (edge-core/src/settings.rs lists them and their
-- ranges); a row overrides the `[vars]` value of the same name. Each check also keeps the
-- face-score pass mark it was judged with, so a later change does not reword old results.
CREATE TABLE IF NOT EXISTS settings (
    key            TEXT PRIMARY KEY,
    value          REAL NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at_ms  INTEGER NOT NULL
);
ALTER TABLE checks ADD COLUMN pass_score REAL;
