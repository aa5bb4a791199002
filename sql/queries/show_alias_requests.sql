-- SHOW ALIAS REQUESTS ON MODEL: the requests on one model, newest first.
SELECT request_id, alias, version, status, requested_by, comment, created_at, decided_by,
       decided_at, decision_comment
FROM ucsql_alias_request
WHERE model_id = $model_id
ORDER BY request_id DESC;
