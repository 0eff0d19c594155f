-- Patients from the documented view admin.v_patient (facts 2.3, Pozative, Chewsi). The view
-- has no change stamp, so patients are read in full passes (no changed-since filter).
SELECT {top} p.patient_id AS patient_id, p.first_name AS first_name, p.last_name AS last_name,
       p.mi AS mi, p.preferred_name AS preferred_name, p.birth_date AS birth_date,
       p.status AS status, p.gender AS gender, p.email AS email, p.home_phone AS home_phone,
       p.work_phone AS work_phone, p.mobile_phone AS mobile_phone,
       p.address_line1 AS address_line1, p.address_line2 AS address_line2, p.city AS city,
       p.state AS state, p.zipcode AS zipcode, p.guar_id AS guar_id,
       p.pri_provider_id AS pri_provider_id, p.sec_provider_id AS sec_provider_id,
       p.first_visit_date AS first_visit_date, p.privacy_flags AS privacy_flags
FROM {schema}.{patient_view} p
WHERE p.patient_id > ? {changed_filter}
ORDER BY p.patient_id
{limit}
