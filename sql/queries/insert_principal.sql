-- Records principal $name of $kind (USER or GROUP), created by $by; returns its id.
INSERT INTO ucsql_principal (name, kind, created_at, created_by)
VALUES ($name, $kind, current_timestamp, $by)
RETURNING principal_id, kind;
