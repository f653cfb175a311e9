-- Researcher accounts and studies.
CREATE TABLE researchers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    normalized_email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_login_count INTEGER NOT NULL DEFAULT 0,
    lockout_end_utc TEXT NULL,
    created_utc TEXT NOT NULL,
    last_login_utc TEXT NULL
);
CREATE UNIQUE INDEX ix_researchers_normalized_email ON researchers (normalized_email);

CREATE TABLE studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    definition_json TEXT NOT NULL,
    consent_markdown TEXT NOT NULL,
    instructions_markdown TEXT NULL,
    completion_code TEXT NOT NULL,
    redirect TEXT NULL,
    abandon_after_minutes INTEGER NOT NULL DEFAULT 90,
    pack_directory TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    opened_utc TEXT NULL,
    closed_utc TEXT NULL,
    decline_count INTEGER NOT NULL DEFAULT 0,
    withdrawal_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ix_studies_slug ON studies (slug);
