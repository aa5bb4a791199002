-- Chart: versions registered per month and catalog.
SELECT strftime(date_trunc('month', created_at), '%Y-%m') AS month, catalog_name, count(*) AS versions
FROM system.information_schema.model_versions
GROUP BY ALL
ORDER BY month, catalog_name
