-- Appointments from PPM.appointment (facts 3.2). The location is the chair practice_id, the
-- provider is the smallest provider_id in PPM.appointment_provider (an appointment can list
-- several). A full pass leaves out schedule blocks (classification filter, a setting).
SELECT {top} a.appointment_id AS appointment_id, a.patient_id AS patient_id,
       a.start_time AS start_time, a.end_time AS end_time, a.classification AS classification,
       a.arrival_status AS arrival_status, a.walkout_time AS walkout_time,
       a.date_confirmed AS date_confirmed, t.description AS type_description,
       c.practice_id AS practice_id,
       (SELECT MIN(ap.provider_id) FROM {schema}.{appointment_provider_table} ap
         WHERE ap.appointment_id = a.appointment_id) AS provider_id
FROM {schema}.{appointment_table} a
LEFT JOIN {schema}.{chair_table} c ON c.chair_num = a.location_id
LEFT JOIN {schema}.{appointment_type_table} t ON t.type_id = a.appointment_type_id
WHERE a.appointment_id > ? {changed_filter}
ORDER BY a.appointment_id
{limit}
