-- Migration 0003: epochs, counters that change whenever names or privileges change.
--
-- Resolving a name (sql/queries/resolve_path.sql) depends only on the tree of securables, and a
-- decision of sql/session/06_authorize.sql only on grants, owners, group membership and that
-- tree. Every statement that changes one of those bumps the matching epoch in the same
-- transaction (the queries that UPDATE ucsql_epoch), so an answer computed at epoch E stays true
-- while the epoch reads E, in this process or any other sharing the file. The engine reads both
-- epochs once per statement and reuses earlier answers instead of evaluating again
-- (ucsql/epoch_cache.py).
--
-- Two rows, not two columns: DuckDB detects write conflicts per row, so creating a model (a
-- names change) does not conflict with a concurrent GRANT (a policy change).

CREATE TABLE ucsql_epoch (
    name  VARCHAR PRIMARY KEY,
    value BIGINT NOT NULL
);
COMMENT ON TABLE ucsql_epoch IS 'Change counters: names (the securable tree: create, rename, drop) and policy (grants, owners, group membership, the tree), each bumped in the transaction of the change, so answers cached per epoch can be validated with one read.';
COMMENT ON COLUMN ucsql_epoch.name IS 'names or policy.';
COMMENT ON COLUMN ucsql_epoch.value IS 'Increases by one with each change of that kind.';
INSERT INTO ucsql_epoch VALUES ('names', 1), ('policy', 1);
