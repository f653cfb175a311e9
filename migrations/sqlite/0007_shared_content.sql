-- The same table as on PostgreSQL, so both providers have one schema; with SQLite (one machine)
-- the content store is the data directory alone and this table stays empty.
CREATE TABLE content_files (
    name TEXT PRIMARY KEY,
    content BLOB NOT NULL,
    stored_utc TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
