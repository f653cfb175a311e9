-- The participant life cycle of Prolific and MTurk studies, the comprehension gate and the quality
-- flags (docs/participants.md). New participant statuses (returned, timed_out, screened_out) need no
-- schema: status is text. ended_utc is when one of those endings happened.
ALTER TABLE participants ADD COLUMN ended_utc TEXT NULL;
-- The comprehension gate passed (the question pages refuse until then when the study has a gate).
ALTER TABLE participants ADD COLUMN gate_passed INTEGER NOT NULL DEFAULT 0;
-- SHA-256 of the device cookie's random id: the same device enrolled under several recruiter ids.
ALTER TABLE participants ADD COLUMN device_hash TEXT NULL;
CREATE INDEX ix_participants_study_device ON participants (study_id, device_hash);

-- What the page's quality script saw while the question was shown (a bit set, InputSignals):
-- 1 hidden or blurred, 2 pasted, 4 an untrusted (scripted) event, 8 no trusted pointer or key event.
ALTER TABLE answers ADD COLUMN signals INTEGER NOT NULL DEFAULT 0;

-- Every answer to a comprehension-gate question, attempt by attempt (gate_attempts.csv).
CREATE TABLE gate_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    question INTEGER NOT NULL,
    choice TEXT NOT NULL,
    is_correct INTEGER NOT NULL,
    answered_utc TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_gate_attempts_participant ON gate_attempts (participant_id, attempt, question);
