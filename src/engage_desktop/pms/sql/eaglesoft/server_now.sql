-- The server clock (settings now_expression and now_from, SQL Anywhere needs no FROM).
SELECT {now_expression} AS server_now {now_from}
