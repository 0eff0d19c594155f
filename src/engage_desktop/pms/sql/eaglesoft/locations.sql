-- Locations derived from the distinct practice_id values of one table (chairs by default):
-- the name of the practice master table is UNCONFIRMED (facts 3.2, Locations).
SELECT {top} x.practice_id AS practice_id
FROM {schema}.{location_source_table} x
WHERE x.practice_id > ? {changed_filter}
GROUP BY x.practice_id
ORDER BY x.practice_id
{limit}
