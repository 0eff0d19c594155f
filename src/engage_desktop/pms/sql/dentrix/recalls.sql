-- Continuing care from admin.v_patient_recall (facts 2.3, Pozative). The view has no id
-- column, so a recall is (patient, recall type) and pages are cut between patients:
-- the upper filter bounds the patient id when one patient recalls are read whole.
SELECT {top} r.patient_id AS patient_id, r.recall_type AS recall_type, r.due_date AS due_date
FROM {schema}.{recall_view} r
WHERE r.patient_id > ? {upper_filter} {changed_filter}
ORDER BY r.patient_id, r.recall_type
{limit}
