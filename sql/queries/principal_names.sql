-- The principals $principal may be offered when a statement names one the metastore does not
-- know (the candidates for "did you mean"): every recorded user and group, and, for the metastore
-- admin, who may read the audit log anyway, every principal that has run a statement.
SELECT name FROM ucsql_principal
UNION
SELECT DISTINCT principal FROM ucsql_audit
WHERE (SELECT allowed
       FROM ucsql_authorize($principal,
                            (SELECT securable_id FROM ucsql_securable WHERE kind = 'METASTORE'),
                            'ADMIN'))
ORDER BY name;
