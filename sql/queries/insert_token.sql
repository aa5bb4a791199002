-- Records a token of principal $principal_id; its secret only as $secret_sha256. Expires
-- $days days from now ($days NULL: never).
INSERT INTO ucsql_token (token_id, principal_id, secret_sha256, comment, created_at, created_by,
                         expires_at)
VALUES ($token_id, $principal_id, $secret_sha256, $comment, now(), $by,
        now() + to_days($days::INTEGER))
RETURNING token_id, created_at, expires_at;
