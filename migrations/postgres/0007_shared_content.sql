-- Several machines: the content-addressed store (images, models, rendered explanations) lives here,
-- so any instance or worker serves and reads what another stored; each machine's data directory
-- keeps a cache of what it has used. Rows are never changed: a name is the SHA-256 of the bytes.
CREATE TABLE content_files (
    name text PRIMARY KEY,
    content bytea NOT NULL,
    stored_utc timestamp with time zone NOT NULL DEFAULT now()
);
