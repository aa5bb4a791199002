-- Which securables may principal_name see? The catalogs (SEE_CATALOG), schemas (SEE_SCHEMA) and
-- models (READ_METADATA) that ucsql_authorize allows, so lists and views agree with the checks.
-- Lists leave the rest out silently (privileges.md, "What each operation needs").
-- Columns: securable_id.
CREATE OR REPLACE TEMP MACRO ucsql_visible(principal_name) AS TABLE
SELECT a.securable_id
FROM ucsql_securable AS s
JOIN ucsql_authorize(principal_name, NULL, 'SEE_CATALOG') AS a USING (securable_id)
WHERE s.kind = 'CATALOG' AND a.allowed
UNION ALL
SELECT a.securable_id
FROM ucsql_securable AS s
JOIN ucsql_authorize(principal_name, NULL, 'SEE_SCHEMA') AS a USING (securable_id)
WHERE s.kind = 'SCHEMA' AND a.allowed
UNION ALL
SELECT a.securable_id
FROM ucsql_securable AS s
JOIN ucsql_authorize(principal_name, NULL, 'READ_METADATA') AS a USING (securable_id)
WHERE s.kind = 'MODEL' AND a.allowed;
