-- May $principal do $operation on $securable_id? (The policy is sql/session/06_authorize.sql.)
-- $subject: the operation's second principal (the new owner, whose grants are listed) or NULL.
-- One row: allowed, gates_ok, missing (what to grant, where), matched (why it was allowed).
SELECT allowed, gates_ok, missing, matched
FROM ucsql_authorize($principal, $securable_id, $operation, subject_name := $subject);
