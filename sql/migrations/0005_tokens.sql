-- Migration 0005: personal access tokens, the identity a server trusts (ucsql serve).
--
-- A token is shown once, when it is created: 'ucsql_<token_id>_<secret>'. Only the SHA-256 of
-- the secret is kept. The secret is 256 random bits, so a fast hash is as safe here as a slow
-- one (bcrypt and the like protect guessable passwords, not random keys) and lets every request
-- be checked cheaply. The token id is public: SHOW TOKENS lists it, and audit rows name it.

CREATE TABLE ucsql_token (
    token_id      VARCHAR PRIMARY KEY,
    principal_id  BIGINT NOT NULL,
    secret_sha256 VARCHAR NOT NULL,
    comment       VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    VARCHAR NOT NULL,
    expires_at    TIMESTAMPTZ
);
COMMENT ON TABLE ucsql_token IS 'Personal access tokens: whoever presents one acts as its principal until it expires or is dropped (DROP TOKEN). Users create their own (CREATE TOKEN); the admin creates them for others, e.g. service principals for CI jobs.';
COMMENT ON COLUMN ucsql_token.token_id IS 'The public part of the token (16 hex digits), shown by SHOW TOKENS and in audit rows.';
COMMENT ON COLUMN ucsql_token.principal_id IS 'The user the token acts as (ucsql_principal).';
COMMENT ON COLUMN ucsql_token.secret_sha256 IS 'Hex SHA-256 of the secret part; the secret itself is never stored.';
COMMENT ON COLUMN ucsql_token.comment IS 'What the token is for, as given to CREATE TOKEN ... COMMENT.';
COMMENT ON COLUMN ucsql_token.created_at IS 'When it was created.';
COMMENT ON COLUMN ucsql_token.created_by IS 'Who created it: its principal, or the admin.';
COMMENT ON COLUMN ucsql_token.expires_at IS 'When it stops working; NULL: never (CREATE TOKEN ... EXPIRES NEVER).';

ALTER TABLE ucsql_audit ADD COLUMN token_id VARCHAR;
COMMENT ON COLUMN ucsql_audit.token_id IS 'The token the principal authenticated with (ucsql_token), NULL when it opened the metastore itself.';
