-- Which securables may principal_name see? The catalogs (SEE_CATALOG), schemas (SEE_SCHEMA) and
-- models (READ_METADATA) that ucsql_authorize allows, so lists and views agree with the checks.
-- Lists leave the rest out silently (privileges.md, "What each operation needs").
-- Columns: securable_id.
CREATE OR REPLACE TEMP MACRO ucsql_visible(principal_name) AS TABLE
SELECT securable_id
FROM ucsql_authorize(principal_name, NULL, 'SEE')
WHERE allowed;
