-- The question page's GET writes nothing any more: when a page was shown travels as a signed time
-- in its form and is stored with the answer (answers.shown_utc), so plan_items.shown_utc goes.
ALTER TABLE plan_items DROP COLUMN shown_utc;
