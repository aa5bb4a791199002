-- Which privileges may be granted on which kind of securable, and so which privileges a securable
-- of that kind can hold (privileges.md, "Privileges").
--
-- A privilege granted on a catalog or schema is inherited by every descendant of a kind listed
-- for it here: USE_SCHEMA granted on a catalog covers its schemas, EXECUTE on a schema covers its
-- models. CREATE_SCHEMA, BROWSE and USE_CATALOG are listed for CATALOG only, so they do not flow
-- down; CREATE_CATALOG and CREATE_MANAGED_STORAGE are listed for METASTORE only, and metastore
-- grants never flow down.
--
-- Created per connection as a TEMP macro: policy is code, shipped with the package, not data.
CREATE OR REPLACE TEMP MACRO ucsql_privilege_applicability() AS TABLE
SELECT privilege, securable_kind
FROM (VALUES
    ('CREATE_CATALOG',       'METASTORE'),
    ('CREATE_MANAGED_STORAGE', 'METASTORE'),
    ('USE_CATALOG',          'CATALOG'),
    ('CREATE_SCHEMA',        'CATALOG'),
    ('BROWSE',               'CATALOG'),
    ('USE_SCHEMA',           'CATALOG'),   ('USE_SCHEMA',           'SCHEMA'),
    ('CREATE_MODEL',         'CATALOG'),   ('CREATE_MODEL',         'SCHEMA'),
    ('CREATE_FUNCTION',      'CATALOG'),   ('CREATE_FUNCTION',      'SCHEMA'),
    ('CREATE_MODEL_VERSION', 'CATALOG'),   ('CREATE_MODEL_VERSION', 'SCHEMA'),   ('CREATE_MODEL_VERSION', 'MODEL'),
    ('EXECUTE',              'CATALOG'),   ('EXECUTE',              'SCHEMA'),   ('EXECUTE',              'MODEL'),
    ('APPLY_TAG',            'CATALOG'),   ('APPLY_TAG',            'SCHEMA'),   ('APPLY_TAG',            'MODEL'),
    ('MANAGE',               'CATALOG'),   ('MANAGE',               'SCHEMA'),   ('MANAGE',               'MODEL'),
    ('ALL_PRIVILEGES',       'CATALOG'),   ('ALL_PRIVILEGES',       'SCHEMA'),   ('ALL_PRIVILEGES',       'MODEL')
) AS t(privilege, securable_kind);
