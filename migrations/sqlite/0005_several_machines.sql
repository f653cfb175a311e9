-- The same table as on PostgreSQL, so both providers have one schema; with SQLite (one machine)
-- the site keeps its data-protection keys in the data directory and leaves this table empty.
CREATE TABLE data_protection_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT NULL,
    xml TEXT NULL
);

-- Precompute jobs taken under a renewed lease, as on PostgreSQL (one worker per machine here).
ALTER TABLE precompute_jobs ADD COLUMN lease_owner TEXT NULL;
ALTER TABLE precompute_jobs ADD COLUMN lease_expires_utc TEXT NULL;
ALTER TABLE precompute_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
