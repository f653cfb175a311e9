-- The confidence level chosen with an answer (study.json experiments[].confidence, docs/study-pack.md):
-- 1 (least confident) … the scale's levels; NULL when the experiment asks for none.
ALTER TABLE answers ADD COLUMN confidence INTEGER NULL;
