-- The PMS server's clock, the source of every incremental cursor (portable MySQL/SQLite).
SELECT CAST(CURRENT_TIMESTAMP AS CHAR) AS now
