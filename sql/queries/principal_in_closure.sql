-- Is $member the principal $principal itself or a group that contains it (transitively)?
-- Used for "a non-admin may transfer only to itself or its group", SHOW GRANTS of oneself,
-- and to refuse group-membership cycles.
SELECT $member = $principal
    OR EXISTS (SELECT 1 FROM ucsql_principal AS p
               WHERE p.name = $member
                 AND p.principal_id IN (SELECT principal_id FROM ucsql_principal_closure($principal)))
    AS member;
