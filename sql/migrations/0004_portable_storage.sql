-- Migration 0004: model files that move with the metastore, and proof that they are whole.
--
-- Until now a version's storage_location was an absolute path, so a metastore moved or restored
-- together with its folder (<file>.models) pointed at where the files used to be. From now on a
-- location inside the default storage root is recorded relative to it ('models/12/3f…'); a
-- location elsewhere (a MANAGED LOCATION) stays absolute. This rewrites the existing rows:
-- those under $default_root (the folder beside the file as it is now), and those that name a
-- default root elsewhere (the file was moved before this upgrade): '<x>.models/models/<id>/<uuid>'
-- not inside any MANAGED LOCATION.
--
-- Every version also gets the content digest of its files, and every folder of files its
-- manifest (ucsql_stored_file), recorded at registration and verified by `ucsql check`. The
-- digests of existing versions are filled in by the upgrade right after this file, in the same
-- transaction (ucsql/metastore.py), from the files as they are.

UPDATE ucsql_model_version AS v
SET storage_location = CASE
        WHEN starts_with(v.storage_location, $default_root || '/')
            THEN substr(v.storage_location, length($default_root) + 2)
        ELSE regexp_extract(v.storage_location, '(models/[0-9]+/[0-9a-f]{32})$', 1)
    END
WHERE starts_with(v.storage_location, $default_root || '/')
   OR (regexp_matches(v.storage_location, '\.models/models/[0-9]+/[0-9a-f]{32}$')
       AND NOT EXISTS (SELECT 1 FROM ucsql_securable AS s
                       WHERE s.storage_root IS NOT NULL
                         AND starts_with(v.storage_location, s.storage_root || '/')));

ALTER TABLE ucsql_model_version ADD COLUMN content_digest VARCHAR;
COMMENT ON COLUMN ucsql_model_version.storage_location IS 'The folder of the managed copy of the files (named by ids, not names): relative to the default storage root (the folder beside the metastore file) when inside it, else absolute (a MANAGED LOCATION).';
COMMENT ON COLUMN ucsql_model_version.content_digest IS 'sha256:<hex> of the manifest of the version''s files (ucsql_stored_file of its storage_location): one "sha256  bytes  path" line per file, in path order. NULL when the files were already missing when digests were introduced.';

CREATE TABLE ucsql_stored_file (
    storage_location  VARCHAR NOT NULL,
    path              VARCHAR NOT NULL,
    bytes             BIGINT NOT NULL,
    sha256            VARCHAR NOT NULL,
    PRIMARY KEY (storage_location, path)
);
COMMENT ON TABLE ucsql_stored_file IS 'The manifest of every folder of model files: each file as it was when copied in. Versions that share a folder (a bulk import) share its manifest. `ucsql check` compares the files with it.';
COMMENT ON COLUMN ucsql_stored_file.storage_location IS 'The folder, as ucsql_model_version.storage_location records it.';
COMMENT ON COLUMN ucsql_stored_file.path IS 'The file''s path inside the folder, with / between parts.';
COMMENT ON COLUMN ucsql_stored_file.bytes IS 'Its size.';
COMMENT ON COLUMN ucsql_stored_file.sha256 IS 'SHA-256 of its content, hex.';
