-- Which privileges can be granted on a securable of $kind? (For the error naming them.)
SELECT list(privilege ORDER BY privilege) AS privileges
FROM ucsql_privilege_applicability() WHERE securable_kind = $kind;
