-- The class names of a study (the pack's labels.txt, line i = class i), stored at import so that
-- nothing reads the pack folder after it: a .zip's folder is temporary and gone once imported.
-- Studies imported before this version are filled by SchemaMigrator's upgrade step for version 3,
-- from labels.txt in their pack folder where that folder still exists.
CREATE TABLE study_classes (
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    class_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (study_id, class_index)
);
