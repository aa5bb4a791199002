-- Is $member the principal $principal itself or a group that contains it (transitively)?
-- Used to refuse group-membership cycles. (Whether the caller is a subject of its own, for
-- ownership transfers and SHOW GRANTS, is the policy's: sql/session/06_authorize.sql.)
SELECT $member = $principal
    OR EXISTS (SELECT 1 FROM ucsql_principal AS p
               WHERE p.name = $member
                 AND p.principal_id IN (SELECT principal_id FROM ucsql_principal_closure($principal)))
    AS member;
