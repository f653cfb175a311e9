-- Precompute as a queue of items, as on PostgreSQL (one writer at a time here, so the claim needs
-- no SKIP LOCKED). The job-wide lease of 0005 goes.
CREATE TABLE precompute_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES precompute_jobs (id) ON DELETE CASCADE,
    phase TEXT NOT NULL,
    image_id INTEGER NOT NULL REFERENCES study_images (id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES study_models (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    lease_owner TEXT NULL,
    lease_expires_utc TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NULL,
    updated_utc TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_precompute_items_unit ON precompute_items (job_id, phase, image_id, model_id);
CREATE INDEX ix_precompute_items_status ON precompute_items (status, job_id);

ALTER TABLE precompute_jobs ADD COLUMN phase TEXT NOT NULL DEFAULT '';
ALTER TABLE precompute_jobs DROP COLUMN lease_owner;
ALTER TABLE precompute_jobs DROP COLUMN lease_expires_utc;
ALTER TABLE precompute_jobs DROP COLUMN attempts;
