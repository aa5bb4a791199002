-- The tokens of $principal_id (every principal's when NULL), newest first; never a secret.
SELECT t.token_id, p.name AS principal, t.comment, t.created_at, t.created_by, t.expires_at,
       t.expires_at IS NOT NULL AND t.expires_at <= now() AS expired
FROM ucsql_token AS t
JOIN ucsql_principal AS p USING (principal_id)
WHERE $principal_id IS NULL OR t.principal_id = $principal_id
ORDER BY t.created_at DESC, t.token_id;
