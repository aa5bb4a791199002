-- Tells the system views who is asking: they filter on getvariable('ucsql_principal').
SET VARIABLE ucsql_principal = $principal;
