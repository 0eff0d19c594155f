-- The Eaglesoft version (facts 3.2, Chewsi, Pozative).
SELECT version AS version FROM {schema}.{preferences_table}
