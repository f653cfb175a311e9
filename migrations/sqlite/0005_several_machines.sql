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

-- Researchers' preview plans, as on PostgreSQL (any instance serves the next page).
CREATE TABLE preview_sessions (
    key TEXT PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    session_json TEXT NOT NULL,
    expires_utc TEXT NOT NULL
);
CREATE INDEX ix_preview_sessions_expires ON preview_sessions (expires_utc);
