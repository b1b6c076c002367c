-- Quality problems the customer chose to keep on a photo (capture-core's QualityFlags JSON:
-- [{"slot","problems","retakes"}]), for an agent to look at; NULL when every photo passed.
ALTER TABLE orders ADD COLUMN photo_flags TEXT;
