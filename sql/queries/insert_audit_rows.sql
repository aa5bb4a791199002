-- Appends the audit rows of allowed reads that were waiting to be written (ucsql/audit.py), one
-- list per column, element i of each list making row i; the lists are the same length.
INSERT INTO ucsql_audit (event_time, principal, action, securable_kind, securable_name, result,
                         detail, statement, token_id)
SELECT unnest($event_times::TIMESTAMPTZ[]), unnest($principals::VARCHAR[]),
       unnest($actions::VARCHAR[]), unnest($securable_kinds::VARCHAR[]),
       unnest($securable_names::VARCHAR[]), unnest($results::VARCHAR[]),
       unnest($details::VARCHAR[]), unnest($statements::VARCHAR[]),
       unnest($token_ids::VARCHAR[]);
