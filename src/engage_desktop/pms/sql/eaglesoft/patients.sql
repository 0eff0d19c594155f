-- Patients from PPM.patient (facts 3.2, Pozative, Chewsi). No change stamp: full passes only.
SELECT {top} p.patient_id AS patient_id, p.first_name AS first_name, p.last_name AS last_name,
       p.middle_initial AS middle_initial, p.preferred_name AS preferred_name,
       p.birth_date AS birth_date, p.sex AS sex, p.status AS status,
       p.patient_status AS patient_status, p.home_phone AS home_phone,
       p.work_phone AS work_phone, p.cell_phone AS cell_phone,
       p.email_address AS email_address, p.receives_sms AS receives_sms,
       p.receive_email AS receive_email, p.responsible_party AS responsible_party,
       p.preferred_dentist AS preferred_dentist, p.preferred_hygienist AS preferred_hygienist,
       p.practice_id AS practice_id, p.first_visit_date AS first_visit_date
FROM {schema}.{patient_table} p
WHERE p.patient_id > ? {changed_filter}
ORDER BY p.patient_id
{limit}
