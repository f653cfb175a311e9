-- Researcher sessions that end: a security stamp every sign-in cookie carries and the account
-- rotates to sign out everywhere (docs/security.md). Existing accounts start with an empty stamp,
-- which no cookie carries, so cookies issued before this version must sign in again.
ALTER TABLE researchers ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';

-- Attempts to resume a recruiter id's session on a device without its cookie (docs/participants.md):
-- the researcher sees them in resume_attempts.csv. Deleted with the participant on withdrawal.
CREATE TABLE resume_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    attempted_utc TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX ix_resume_attempts_study ON resume_attempts (study_id, attempted_utc);
CREATE INDEX ix_resume_attempts_participant ON resume_attempts (participant_id);
