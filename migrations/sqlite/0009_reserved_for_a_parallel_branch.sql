-- Reserved: this number belongs to a branch developed in parallel (the i18n branch has 0010).
-- SchemaMigrator needs the numbers without gaps; when that branch is merged, its own file takes
-- this number and this placeholder is deleted.
SELECT 1;
