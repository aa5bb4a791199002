-- The current epochs (migration 0003): answers cached at these values still hold.
SELECT max(value) FILTER (WHERE name = 'names') AS names,
       max(value) FILTER (WHERE name = 'policy') AS policy
FROM ucsql_epoch;
