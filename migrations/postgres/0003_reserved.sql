-- Placeholder on the 'scale' branch only, so its migration 0005 has no gap before it: at
-- integration this file is replaced by the real migration 0003 of another branch (delete it then).
SELECT 1;
