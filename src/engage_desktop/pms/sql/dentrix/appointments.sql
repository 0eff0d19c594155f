-- Appointments from admin.v_appointment (facts 2.3). Optional joins, set from the settings:
-- The status join adds the status label (admin.V_appt_Status_Codes, Pozative) and
-- The changes join adds admin.v_appt.modified_date (Chewsi), the change stamp for
-- changed-since passes. Either column becomes NULL when its view name is set to an empty string.
SELECT {top} a.appointment_id AS appointment_id, a.patient_id AS patient_id,
       a.appointment_date AS appointment_date, a.start_hour AS start_hour,
       a.start_minute AS start_minute, a.length AS appt_length, a.provider_id AS provider_id,
       a.status_id AS status_id, a.note AS note,
       {status_label} AS status_label, {modified_date} AS modified_date
FROM {schema}.{appointment_view} a
{status_join}
{changes_join}
WHERE a.appointment_id > ? {changed_filter}
ORDER BY a.appointment_id
{limit}
