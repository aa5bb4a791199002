-- Migration 0007: conversations on models (issue 14): comments on a model or one of its
-- versions, and requests that an alias move to a version, which someone who may set the alias
-- approves or rejects (the legacy registry's stage transition requests, for aliases).

CREATE SEQUENCE ucsql_comment_id_seq START 1;
CREATE TABLE ucsql_comment (
    comment_id  BIGINT PRIMARY KEY DEFAULT nextval('ucsql_comment_id_seq'),
    model_id    BIGINT NOT NULL,
    version     BIGINT,
    author      VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ
);
COMMENT ON TABLE ucsql_comment IS 'Comments on a model (version NULL) or on one of its versions (ADD COMMENT ON MODEL ... [VERSION n]). Whoever may see the model may comment; the author edits a comment, and the author or whoever may manage the model deletes it.';
COMMENT ON COLUMN ucsql_comment.model_id IS 'The model (ucsql_securable) the comment is on.';
COMMENT ON COLUMN ucsql_comment.version IS 'The version the comment is on, NULL for the model itself.';
COMMENT ON COLUMN ucsql_comment.author IS 'Who wrote it (a principal name).';
COMMENT ON COLUMN ucsql_comment.body IS 'The text, at most 65,536 characters.';
COMMENT ON COLUMN ucsql_comment.updated_at IS 'When the author last edited it; NULL if never.';

CREATE SEQUENCE ucsql_alias_request_id_seq START 1;
CREATE TABLE ucsql_alias_request (
    request_id       BIGINT PRIMARY KEY DEFAULT nextval('ucsql_alias_request_id_seq'),
    model_id         BIGINT NOT NULL,
    alias            VARCHAR NOT NULL,
    version          BIGINT NOT NULL,
    requested_by     VARCHAR NOT NULL,
    comment          VARCHAR,
    status           VARCHAR NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    decided_by       VARCHAR,
    decided_at       TIMESTAMPTZ,
    decision_comment VARCHAR
);
COMMENT ON TABLE ucsql_alias_request IS 'Requests that an alias of a model point to a version (REQUEST ALIAS ...). PENDING until approved (which sets the alias in the same transaction), rejected, or cancelled by whoever asked.';
COMMENT ON COLUMN ucsql_alias_request.status IS 'PENDING, APPROVED, REJECTED or CANCELLED.';
COMMENT ON COLUMN ucsql_alias_request.requested_by IS 'Who asked (a principal name).';
COMMENT ON COLUMN ucsql_alias_request.decided_by IS 'Who approved, rejected or cancelled it.';
COMMENT ON COLUMN ucsql_alias_request.decision_comment IS 'What the decider said, if anything.';
