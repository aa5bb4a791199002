-- Migration 0002: lineage of model versions, the datasets a version was trained or evaluated on
-- (recorded from the run's mlflow.log_input when a version is registered from a run).

CREATE TABLE ucsql_model_version_lineage (
    model_id     BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    position     INTEGER NOT NULL,
    name         VARCHAR,
    digest       VARCHAR,
    source_type  VARCHAR,
    source       VARCHAR,
    context      VARCHAR,
    PRIMARY KEY (model_id, version, position)
);
COMMENT ON TABLE ucsql_model_version_lineage IS 'The dataset inputs of the run a model version came from, as MLflow recorded them (mlflow.log_input), in the run''s order.';
COMMENT ON COLUMN ucsql_model_version_lineage.model_id IS 'The registered model.';
COMMENT ON COLUMN ucsql_model_version_lineage.version IS 'The version.';
COMMENT ON COLUMN ucsql_model_version_lineage.position IS 'Order of the input in the run, from 0.';
COMMENT ON COLUMN ucsql_model_version_lineage.name IS 'Dataset name (e.g. the table name).';
COMMENT ON COLUMN ucsql_model_version_lineage.digest IS 'Dataset digest, identifying its content.';
COMMENT ON COLUMN ucsql_model_version_lineage.source_type IS 'Kind of source: delta_table, local, http, ...';
COMMENT ON COLUMN ucsql_model_version_lineage.source IS 'The source description as MLflow stores it (often JSON naming the table or path).';
COMMENT ON COLUMN ucsql_model_version_lineage.context IS 'What the dataset was used for (the mlflow.data.context tag: training, evaluation ...).';
