-- What does $parent_id directly contain? (kind, full name) of its schemas or models, for the
-- "not empty" message of DROP ... RESTRICT.
SELECT s.kind, n.full_name
FROM ucsql_securable AS s, ucsql_securable_names(s.securable_id) AS n
WHERE s.parent_id = $parent_id
ORDER BY n.full_name;
