-- The server clock. c-treeACE SQL needs a FROM: its one-row table is SYSCALCTABLE.
-- Both parts are settings (now_expression, now_from).
SELECT {now_expression} AS server_now {now_from}
