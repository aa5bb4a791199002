-- One alias request: what APPROVE, REJECT and CANCEL REQUEST act on.
SELECT request_id, model_id, alias, version, requested_by, status FROM ucsql_alias_request
WHERE request_id = $request_id;
