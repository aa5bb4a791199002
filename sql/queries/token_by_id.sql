-- The token $token_id: whose it is, its secret's hash, and whether it still works.
SELECT p.name AS principal, t.secret_sha256,
       t.expires_at IS NULL OR t.expires_at > now() AS live
FROM ucsql_token AS t
JOIN ucsql_principal AS p USING (principal_id)
WHERE t.token_id = $token_id;
