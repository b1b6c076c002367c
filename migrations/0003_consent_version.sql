-- Which version of the personal-information notice (haoka_shared::consent::NOTICE_VERSION)
-- the customer agreed to, beside when (consent_at_ms).
ALTER TABLE orders ADD COLUMN consent_version TEXT NOT NULL DEFAULT '';
