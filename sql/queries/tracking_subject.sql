-- May $principal act for $owner on MLflow's tracking side of a ucsql server (an experiment, run
-- or logged model that $owner owns)? Yes for $owner itself, a member of it (transitively), and
-- the metastore admin: the rule by which an owner of a securable acts on it
-- (sql/session/06_authorize.sql). $owner is NULL when nothing records one: the admin's only.
SELECT coalesce($owner = $principal, false)
    OR EXISTS (SELECT 1 FROM ucsql_principal AS p
               WHERE p.name = $owner
                 AND p.principal_id IN (SELECT principal_id FROM ucsql_principal_closure($principal)))
    OR EXISTS (SELECT 1 FROM ucsql_securable AS s
               WHERE s.kind = 'METASTORE'
                 AND s.owner_id IN (SELECT principal_id FROM ucsql_principal_closure($principal)))
    AS may;
