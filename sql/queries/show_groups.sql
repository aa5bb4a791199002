-- SHOW GROUPS: every group with its number of direct members.
SELECT p.name AS "group",
       (SELECT count(*) FROM ucsql_group_member AS m WHERE m.group_id = p.principal_id) AS members
FROM ucsql_principal AS p
WHERE p.kind = 'GROUP'
ORDER BY p.name;
