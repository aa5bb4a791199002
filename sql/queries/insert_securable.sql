-- Creates a catalog, schema or model ($kind) named $name inside $parent_id, owned by $owner_id.
-- $comment and $storage_root (MANAGED LOCATION) may be NULL; $by is the creator. Models start
-- numbering their versions at 1. Returns what a caller needs to describe the new object
-- without reading it back.
-- First, bump the names epoch: answers cached at the old one no longer hold (migration 0003).
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'names';
INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, comment, storage_root, next_version,
                             created_at, created_by, updated_at, updated_by)
VALUES ($kind, $parent_id, $name, $owner_id, $comment, $storage_root,
        CASE WHEN $kind = 'MODEL' THEN 1 END,
        current_timestamp, $by, current_timestamp, $by)
RETURNING securable_id, comment, created_at;
