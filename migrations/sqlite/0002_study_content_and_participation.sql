-- Models, images, predictions, explanations, stimuli, precompute progress; participants,
-- their plans and answers. Deleting a participant (withdrawal) cascades to plan and answers.
CREATE TABLE study_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    onnx_path TEXT NOT NULL,
    onnx_sha256 TEXT NOT NULL,
    metadata_json TEXT NOT NULL,
    recorded_accuracy REAL NULL,
    measured_accuracy REAL NULL
);
CREATE UNIQUE INDEX ix_study_models_study_key ON study_models (study_id, key);

CREATE TABLE study_images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    stem TEXT NOT NULL,
    file_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    label_class INTEGER NOT NULL,
    boxes_json TEXT NOT NULL,
    is_test_split INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ix_study_images_study_stem ON study_images (study_id, stem);

CREATE TABLE predictions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    image_id INTEGER NOT NULL REFERENCES study_images (id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES study_models (id) ON DELETE CASCADE,
    predicted_class INTEGER NOT NULL,
    probability REAL NOT NULL,
    top5_json TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_predictions_image_model ON predictions (image_id, model_id);

CREATE TABLE explanations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES study_images (id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES study_models (id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    class_index INTEGER NOT NULL,
    png_path TEXT NOT NULL,
    raw_path TEXT NULL,
    sha256 TEXT NOT NULL,
    metrics_json TEXT NULL,
    created_utc TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_explanations_key ON explanations (image_id, model_id, method, class_index);

CREATE TABLE stimuli (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    experiment TEXT NOT NULL,
    image_id INTEGER NOT NULL REFERENCES study_images (id) ON DELETE CASCADE,
    target_class INTEGER NOT NULL,
    distractor_class INTEGER NULL,
    model_a_id INTEGER NOT NULL REFERENCES study_models (id) ON DELETE CASCADE,
    model_b_id INTEGER NULL REFERENCES study_models (id) ON DELETE CASCADE,
    method_a TEXT NOT NULL,
    method_b TEXT NULL,
    assigned_count INTEGER NOT NULL DEFAULT 0,
    answered_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_stimuli_balance ON stimuli (study_id, experiment, assigned_count);

CREATE TABLE precompute_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0,
    started_utc TEXT NULL,
    updated_utc TEXT NOT NULL,
    error TEXT NULL
);
CREATE UNIQUE INDEX ix_precompute_jobs_study ON precompute_jobs (study_id);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    withdrawal_code TEXT NOT NULL,
    source TEXT NOT NULL,
    prolific_pid TEXT NULL,
    prolific_study_id TEXT NULL,
    prolific_session_id TEXT NULL,
    mturk_worker_id TEXT NULL,
    mturk_assignment_id TEXT NULL,
    mturk_hit_id TEXT NULL,
    mturk_sandbox INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    current_position INTEGER NOT NULL DEFAULT 0,
    plan_length INTEGER NOT NULL DEFAULT 0,
    consented_utc TEXT NOT NULL,
    last_seen_utc TEXT NOT NULL,
    completed_utc TEXT NULL
);
CREATE UNIQUE INDEX ix_participants_token ON participants (token);
CREATE UNIQUE INDEX ix_participants_withdrawal_code ON participants (withdrawal_code);
CREATE UNIQUE INDEX ix_participants_prolific ON participants (study_id, prolific_pid);
CREATE UNIQUE INDEX ix_participants_mturk ON participants (study_id, mturk_worker_id);

CREATE TABLE plan_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stimulus_id INTEGER NULL REFERENCES stimuli (id),
    swapped INTEGER NOT NULL DEFAULT 0,
    attention_prompt TEXT NULL,
    attention_answer TEXT NULL,
    attention_options TEXT NULL,
    shown_utc TEXT NULL
);
CREATE UNIQUE INDEX ix_plan_items_participant_position ON plan_items (participant_id, position);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    plan_item_id INTEGER NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    stimulus_id INTEGER NULL REFERENCES stimuli (id),
    choice TEXT NOT NULL,
    is_correct INTEGER NULL,
    score INTEGER NULL,
    response_ms INTEGER NOT NULL,
    shown_utc TEXT NOT NULL,
    answered_utc TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_answers_plan_item ON answers (plan_item_id);
CREATE UNIQUE INDEX ix_answers_participant_position ON answers (participant_id, position);
