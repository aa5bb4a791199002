-- Records the dataset inputs of version $version of model $model_id. $inputs is a list of
-- {name, digest, source_type, source, context} structs, in the run's order.
INSERT INTO ucsql_model_version_lineage
SELECT $model_id, $version, i.position - 1, i.input.name, i.input.digest, i.input.source_type,
       i.input.source, i.input.context
FROM (SELECT unnest($inputs::STRUCT(name VARCHAR, digest VARCHAR, source_type VARCHAR,
                                    source VARCHAR, context VARCHAR)[]) AS input,
             generate_subscripts($inputs::STRUCT(name VARCHAR, digest VARCHAR, source_type VARCHAR,
                                                 source VARCHAR, context VARCHAR)[], 1) AS position) AS i;
