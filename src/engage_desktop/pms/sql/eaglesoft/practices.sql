-- Locations from a practice master table, when the install names one (practice_table).
SELECT {top} pm.{practice_id_column} AS practice_id, pm.{practice_name_column} AS practice_name
FROM {schema}.{practice_table} pm
WHERE pm.{practice_id_column} > ? {changed_filter}
ORDER BY pm.{practice_id_column}
{limit}
