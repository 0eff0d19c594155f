-- Treatment-planned services from PPM.planned_services + PPM.services (facts 3.2). A row
-- without appt_id is unscheduled treatment (UNCONFIRMED). Key: (patient_id, line_number),
-- so pages are cut between patients.
SELECT {top} ps.patient_id AS patient_id, ps.line_number AS line_number,
       ps.service_code AS service_code, ps.provider_id AS provider_id,
       ps.date_planned AS date_planned, ps.fee AS fee, ps.status AS status,
       ps.description AS description, ps.appt_id AS appt_id, s.ada_code AS ada_code,
       s.description AS service_description
FROM {schema}.{planned_table} ps
LEFT JOIN {schema}.{service_table} s ON s.service_code = ps.service_code
WHERE ps.patient_id > ? {upper_filter} {changed_filter}
ORDER BY ps.patient_id, ps.line_number
{limit}
