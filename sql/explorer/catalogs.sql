-- The explorer's front page: the catalogs the caller may see, with how many models each holds.
SELECT c.catalog_name, c.catalog_owner, c.comment,
       (SELECT count(*) FROM system.information_schema.registered_models AS m
        WHERE m.catalog_name = c.catalog_name) AS models
FROM system.information_schema.catalogs AS c
ORDER BY c.catalog_name
