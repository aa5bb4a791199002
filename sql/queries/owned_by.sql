-- What does $principal_id own? (kind, full name) of each securable.
SELECT s.kind, n.full_name
FROM ucsql_securable AS s, ucsql_securable_names(s.securable_id) AS n
WHERE s.owner_id = $principal_id
ORDER BY n.full_name;
