-- Where the cron's background passes left off (issue 14): the photo orphan sweep keeps the
-- last R2 key it looked at per prefix, so a bucket larger than one pass is walked in turns.
CREATE TABLE upkeep_cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A case's subject (name, ID number) sealed, so a check on the case fills them in instead of
-- the agent typing them again (issue 17); cleared with the checks' inputs after
-- CHECK_INPUTS_DAYS. `subject_parts` lists what it holds (`name,id_number`), for the form.
ALTER TABLE cases ADD COLUMN subject_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN subject_parts TEXT NOT NULL DEFAULT '';
