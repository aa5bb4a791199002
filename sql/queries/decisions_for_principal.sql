-- What may $principal do, on every securable at once? Every operation of the policy
-- (sql/session/06_authorize.sql asked with no operation: all of them, SEE and KNOW included)
-- decided in one pass, without a subject (SUBJECT terms do not hold).
--
-- $principal: the caller. $securable_id: NULL for every securable, or the one securable to
-- decide alone (one created after the rest were decided).
-- Rows: (operation, securable_ids): the securables on which the operation is allowed; and one
-- row with operation NULL listing every securable decided, so that a decided securable missing
-- from an operation's list is refused, as the single check refuses it.
-- The engine keeps the answer per (metastore, principal, policy epoch) (ucsql.decisions); the
-- reason a refusal gives still comes from sql/queries/authorize.sql.
SELECT operation, list(securable_id) AS securable_ids
FROM ucsql_authorize($principal, $securable_id, NULL)
WHERE allowed
GROUP BY operation
UNION ALL
SELECT NULL, list(securable_id)
FROM ucsql_securable
WHERE $securable_id IS NULL OR securable_id = $securable_id;
