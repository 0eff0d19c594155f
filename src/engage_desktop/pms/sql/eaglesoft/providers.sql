-- Providers from PPM.provider + PPM.positions (facts 3.2). provider_id is a short string.
SELECT {top} pr.provider_id AS provider_id, pr.first_name AS first_name,
       pr.last_name AS last_name, pr.status AS status, pr.position_id AS position_id,
       pos.description AS position_description
FROM {schema}.{provider_table} pr
LEFT JOIN {schema}.{position_table} pos ON pos.position_id = pr.position_id
WHERE pr.provider_id > ? {changed_filter}
ORDER BY pr.provider_id
{limit}
