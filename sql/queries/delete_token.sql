-- Drops token $token_id: it stops working at once.
DELETE FROM ucsql_token WHERE token_id = $token_id;
