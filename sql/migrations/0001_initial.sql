-- Migration 0001: the first metastore schema.
--
-- Every table has the ucsql_ prefix and surrogate integer ids: names are ordinary columns, so a
-- rename touches one row and never grants, tags, versions or files. Foreign keys are kept by the
-- engine (DuckDB cannot delete a referenced row and its children in one transaction), and each
-- key the engine relies on is a PRIMARY KEY or UNIQUE constraint here.
--
-- A migration is applied in one transaction together with its ucsql_schema_version row.

CREATE TABLE ucsql_schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE ucsql_schema_version IS 'One row per applied migration (sql/migrations/NNNN_*.sql); the highest is the schema version of the file.';
COMMENT ON COLUMN ucsql_schema_version.version IS 'The NNNN of the migration file.';
COMMENT ON COLUMN ucsql_schema_version.description IS 'The migration file name.';
COMMENT ON COLUMN ucsql_schema_version.applied_at IS 'When this file was upgraded to that version.';

CREATE TABLE ucsql_metastore (
    metastore_id  UUID PRIMARY KEY,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    VARCHAR NOT NULL
);
COMMENT ON TABLE ucsql_metastore IS 'One row: the identity of this metastore file. Its owner (the metastore admin) is the owner of the METASTORE row of ucsql_securable.';
COMMENT ON COLUMN ucsql_metastore.metastore_id IS 'Random id, stable across copies and renames of the file (for sharing and server mode).';
COMMENT ON COLUMN ucsql_metastore.created_at IS 'When the metastore was created.';
COMMENT ON COLUMN ucsql_metastore.created_by IS 'The principal that created it, its first admin.';

CREATE SEQUENCE ucsql_principal_id_seq START 1;
CREATE TABLE ucsql_principal (
    principal_id BIGINT PRIMARY KEY DEFAULT nextval('ucsql_principal_id_seq'),
    name         VARCHAR NOT NULL UNIQUE,
    kind         VARCHAR NOT NULL CHECK (kind IN ('USER', 'GROUP')),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   VARCHAR NOT NULL
);
COMMENT ON TABLE ucsql_principal IS 'Users and groups. Users are added the first time a statement names them (no CREATE USER); groups by CREATE GROUP. `account users` is the built-in group that contains everyone.';
COMMENT ON COLUMN ucsql_principal.principal_id IS 'Surrogate id, referenced by grants, owners and memberships.';
COMMENT ON COLUMN ucsql_principal.name IS 'The principal name exactly as written (case-sensitive), e.g. alice@example.com or ml-team.';
COMMENT ON COLUMN ucsql_principal.kind IS 'USER or GROUP.';
COMMENT ON COLUMN ucsql_principal.created_at IS 'When the principal was first recorded.';
COMMENT ON COLUMN ucsql_principal.created_by IS 'The principal whose statement recorded it.';

CREATE TABLE ucsql_group_member (
    group_id   BIGINT NOT NULL,
    member_id  BIGINT NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    added_by   VARCHAR NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
COMMENT ON TABLE ucsql_group_member IS 'Direct group membership; a member is a user or a group. Membership is transitive (resolved by sql/session/principal_closure.sql); the engine refuses cycles.';
COMMENT ON COLUMN ucsql_group_member.group_id IS 'The containing group (ucsql_principal.principal_id).';
COMMENT ON COLUMN ucsql_group_member.member_id IS 'The contained user or group (ucsql_principal.principal_id).';
COMMENT ON COLUMN ucsql_group_member.added_at IS 'When the membership was added.';
COMMENT ON COLUMN ucsql_group_member.added_by IS 'Who added it.';

CREATE SEQUENCE ucsql_securable_id_seq START 1;
CREATE TABLE ucsql_securable (
    securable_id  BIGINT PRIMARY KEY DEFAULT nextval('ucsql_securable_id_seq'),
    kind          VARCHAR NOT NULL CHECK (kind IN ('METASTORE', 'CATALOG', 'SCHEMA', 'MODEL')),
    parent_id     BIGINT,
    name          VARCHAR NOT NULL,
    owner_id      BIGINT NOT NULL,
    comment       VARCHAR,
    storage_root  VARCHAR,
    next_version  BIGINT,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    VARCHAR NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    VARCHAR NOT NULL,
    UNIQUE (parent_id, name)
);
COMMENT ON TABLE ucsql_securable IS 'Every securable in one tree: the METASTORE (one row, no parent), its CATALOGs, their SCHEMAs and their registered MODELs (FUNCTION securables). One table so that ancestry is one recursive query.';
COMMENT ON COLUMN ucsql_securable.securable_id IS 'Surrogate id; grants, tags, versions and storage paths use it, never the name.';
COMMENT ON COLUMN ucsql_securable.kind IS 'METASTORE, CATALOG, SCHEMA or MODEL.';
COMMENT ON COLUMN ucsql_securable.parent_id IS 'The containing securable: metastore for a catalog, catalog for a schema, schema for a model; NULL for the metastore.';
COMMENT ON COLUMN ucsql_securable.name IS 'The last part of the name, lower-case (names are case-insensitive).';
COMMENT ON COLUMN ucsql_securable.owner_id IS 'The owning user or group (ucsql_principal). For the metastore this is the metastore admin.';
COMMENT ON COLUMN ucsql_securable.comment IS 'COMMENT ON text, at most 65,536 characters.';
COMMENT ON COLUMN ucsql_securable.storage_root IS 'MANAGED LOCATION of a catalog or schema (absolute directory); NULL means inherit, and at the top the folder beside the metastore file.';
COMMENT ON COLUMN ucsql_securable.next_version IS 'Models only: the number the next version gets. Numbers are never reused, even after a version is dropped.';
COMMENT ON COLUMN ucsql_securable.created_at IS 'Creation time.';
COMMENT ON COLUMN ucsql_securable.created_by IS 'The principal that created it.';
COMMENT ON COLUMN ucsql_securable.updated_at IS 'Last change to the row (rename, comment, owner).';
COMMENT ON COLUMN ucsql_securable.updated_by IS 'Who made the last change.';

CREATE TABLE ucsql_model_version (
    model_id          BIGINT NOT NULL,
    version           BIGINT NOT NULL,
    source            VARCHAR,
    run_id            VARCHAR,
    run_link          VARCHAR,
    logged_model_id   VARCHAR,
    status            VARCHAR NOT NULL CHECK (status IN ('PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY')),
    status_message    VARCHAR,
    storage_location  VARCHAR,
    comment           VARCHAR,
    created_at        TIMESTAMPTZ NOT NULL,
    created_by        VARCHAR NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    updated_by        VARCHAR NOT NULL,
    PRIMARY KEY (model_id, version)
);
COMMENT ON TABLE ucsql_model_version IS 'The numbered versions of a registered model. A row is READY only once its files are complete in storage_location.';
COMMENT ON COLUMN ucsql_model_version.model_id IS 'The registered model (ucsql_securable of kind MODEL).';
COMMENT ON COLUMN ucsql_model_version.version IS 'Version number, from 1, unique per model, never reused.';
COMMENT ON COLUMN ucsql_model_version.source IS 'Where the files were copied from (a directory or an MLflow URI).';
COMMENT ON COLUMN ucsql_model_version.run_id IS 'The MLflow run that produced the model, if known.';
COMMENT ON COLUMN ucsql_model_version.run_link IS 'Link to the run, as given by MLflow clients.';
COMMENT ON COLUMN ucsql_model_version.logged_model_id IS 'MLflow 3 logged-model id (m-...), if known.';
COMMENT ON COLUMN ucsql_model_version.status IS 'PENDING_REGISTRATION, FAILED_REGISTRATION or READY (MLflow statuses).';
COMMENT ON COLUMN ucsql_model_version.status_message IS 'Why a registration failed.';
COMMENT ON COLUMN ucsql_model_version.storage_location IS 'Absolute directory of the managed copy of the files (named by ids, not names).';
COMMENT ON COLUMN ucsql_model_version.comment IS 'Version description.';
COMMENT ON COLUMN ucsql_model_version.created_at IS 'Registration time.';
COMMENT ON COLUMN ucsql_model_version.created_by IS 'Who registered it.';
COMMENT ON COLUMN ucsql_model_version.updated_at IS 'Last change.';
COMMENT ON COLUMN ucsql_model_version.updated_by IS 'Who made the last change.';

CREATE TABLE ucsql_model_alias (
    model_id  BIGINT NOT NULL,
    alias     VARCHAR NOT NULL,
    version   BIGINT NOT NULL,
    set_at    TIMESTAMPTZ NOT NULL,
    set_by    VARCHAR NOT NULL,
    PRIMARY KEY (model_id, alias)
);
COMMENT ON TABLE ucsql_model_alias IS 'Aliases (@Champion): a case-sensitive name pointing to one version of a model. At most 10 per model. The history of moves is in ucsql_audit.';
COMMENT ON COLUMN ucsql_model_alias.model_id IS 'The registered model.';
COMMENT ON COLUMN ucsql_model_alias.alias IS 'The alias, as written.';
COMMENT ON COLUMN ucsql_model_alias.version IS 'The version it points to.';
COMMENT ON COLUMN ucsql_model_alias.set_at IS 'When it was last set or moved.';
COMMENT ON COLUMN ucsql_model_alias.set_by IS 'Who last set or moved it.';

CREATE TABLE ucsql_securable_tag (
    securable_id  BIGINT NOT NULL,
    key           VARCHAR NOT NULL,
    value         VARCHAR,
    set_at        TIMESTAMPTZ NOT NULL,
    set_by        VARCHAR NOT NULL,
    PRIMARY KEY (securable_id, key)
);
COMMENT ON TABLE ucsql_securable_tag IS 'Tags on catalogs, schemas and models (key case-sensitive; at most 50 per object).';
COMMENT ON COLUMN ucsql_securable_tag.securable_id IS 'The tagged securable.';
COMMENT ON COLUMN ucsql_securable_tag.key IS 'Tag key.';
COMMENT ON COLUMN ucsql_securable_tag.value IS 'Tag value, at most 1,000 characters; NULL for a tag without value.';
COMMENT ON COLUMN ucsql_securable_tag.set_at IS 'When it was last set.';
COMMENT ON COLUMN ucsql_securable_tag.set_by IS 'Who last set it.';

CREATE TABLE ucsql_model_version_tag (
    model_id  BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    key       VARCHAR NOT NULL,
    value     VARCHAR,
    set_at    TIMESTAMPTZ NOT NULL,
    set_by    VARCHAR NOT NULL,
    PRIMARY KEY (model_id, version, key)
);
COMMENT ON TABLE ucsql_model_version_tag IS 'Tags on model versions (same constraints as ucsql_securable_tag).';
COMMENT ON COLUMN ucsql_model_version_tag.model_id IS 'The registered model.';
COMMENT ON COLUMN ucsql_model_version_tag.version IS 'The tagged version.';
COMMENT ON COLUMN ucsql_model_version_tag.key IS 'Tag key.';
COMMENT ON COLUMN ucsql_model_version_tag.value IS 'Tag value or NULL.';
COMMENT ON COLUMN ucsql_model_version_tag.set_at IS 'When it was last set.';
COMMENT ON COLUMN ucsql_model_version_tag.set_by IS 'Who last set it.';

CREATE TABLE ucsql_grant (
    securable_id  BIGINT NOT NULL,
    principal_id  BIGINT NOT NULL,
    privilege     VARCHAR NOT NULL,
    granted_at    TIMESTAMPTZ NOT NULL,
    granted_by    VARCHAR NOT NULL,
    PRIMARY KEY (securable_id, principal_id, privilege)
);
COMMENT ON TABLE ucsql_grant IS 'Direct grants. Inheritance, ownership and ALL_PRIVILEGES expansion are resolved at check time by sql/session/effective_privileges.sql, never stored.';
COMMENT ON COLUMN ucsql_grant.securable_id IS 'Where the privilege was granted.';
COMMENT ON COLUMN ucsql_grant.principal_id IS 'The grantee, a user or a group.';
COMMENT ON COLUMN ucsql_grant.privilege IS 'Upper-case with underscores, e.g. USE_CATALOG, ALL_PRIVILEGES.';
COMMENT ON COLUMN ucsql_grant.granted_at IS 'When it was granted.';
COMMENT ON COLUMN ucsql_grant.granted_by IS 'Who granted it (the grantor).';

CREATE SEQUENCE ucsql_audit_id_seq START 1;
CREATE TABLE ucsql_audit (
    audit_id        BIGINT PRIMARY KEY DEFAULT nextval('ucsql_audit_id_seq'),
    event_time      TIMESTAMPTZ NOT NULL,
    principal       VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,
    securable_kind  VARCHAR,
    securable_name  VARCHAR,
    result          VARCHAR NOT NULL CHECK (result IN ('ALLOWED', 'DENIED', 'FAILED')),
    detail          VARCHAR,
    statement       VARCHAR
);
COMMENT ON TABLE ucsql_audit IS 'Every statement, allowed or refused. Append-only: no ucsql statement updates or deletes it; admins read it as system.access.audit.';
COMMENT ON COLUMN ucsql_audit.audit_id IS 'Increasing id, the order of events.';
COMMENT ON COLUMN ucsql_audit.event_time IS 'When the statement ran.';
COMMENT ON COLUMN ucsql_audit.principal IS 'Who ran it.';
COMMENT ON COLUMN ucsql_audit.action IS 'What it did, e.g. CREATE_MODEL, GRANT, SET_ALIAS, SELECT.';
COMMENT ON COLUMN ucsql_audit.securable_kind IS 'METASTORE, CATALOG, SCHEMA, MODEL or GROUP; NULL when none.';
COMMENT ON COLUMN ucsql_audit.securable_name IS 'The full name of the object acted on.';
COMMENT ON COLUMN ucsql_audit.result IS 'ALLOWED, DENIED (refused by privileges or policy) or FAILED (any other error).';
COMMENT ON COLUMN ucsql_audit.detail IS 'For a refusal or failure, the error message; otherwise what changed.';
COMMENT ON COLUMN ucsql_audit.statement IS 'The statement as ucsql printed it (canonical SQL).';
