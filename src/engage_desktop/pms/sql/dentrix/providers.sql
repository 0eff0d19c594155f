-- Providers from admin.v_provider (facts 2.3, Pozative, Chewsi). provider_id is text (DDS1).
SELECT {top} pr.provider_id AS provider_id, pr.first_name AS first_name,
       pr.last_name AS last_name, pr.inactive AS inactive
FROM {schema}.{provider_view} pr
WHERE pr.provider_id > ? {changed_filter}
ORDER BY pr.provider_id
{limit}
