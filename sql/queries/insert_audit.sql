-- Appends one audit row: $principal ran $action on $securable_kind $securable_name with $result
-- (ALLOWED, DENIED, FAILED); $detail says why or what changed; $statement is the SQL.
INSERT INTO ucsql_audit (event_time, principal, action, securable_kind, securable_name, result,
                         detail, statement)
VALUES (current_timestamp, $principal, $action, $securable_kind, $securable_name, $result,
        $detail, $statement);
