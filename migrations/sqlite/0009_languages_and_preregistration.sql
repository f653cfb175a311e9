-- Languages: a study pack may carry its consent and instructions in other languages than its own
-- (consent.de.md beside consent.md); one row per language, a null column where that file is missing
-- (the participant then reads the study's own text).
CREATE TABLE study_texts (
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    consent_markdown TEXT NULL,
    instructions_markdown TEXT NULL,
    PRIMARY KEY (study_id, language)
);

-- Preregistration trail: when a study first opens, its definition and analysis settings are frozen
-- as canonical JSON with its SHA-256; every later change is one row of study_changes.
CREATE TABLE study_registrations (
    study_id INTEGER PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
    registered_utc TEXT NOT NULL,
    canonical_json TEXT NOT NULL,
    sha256 TEXT NOT NULL
);

CREATE TABLE study_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    changed_utc TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    description TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX ix_study_changes_study_changed ON study_changes (study_id, changed_utc);
