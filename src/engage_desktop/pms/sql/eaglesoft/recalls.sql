-- Recalls from PPM.patient_recalls + PPM.recalls (facts 3.2, Pozative), with the patient
-- receive_recalls flag. No id column: a recall is (patient_id, recall_id), and pages are cut
-- between patients (the upper filter bounds one patient read whole).
SELECT {top} r.patient_id AS patient_id, r.recall_id AS recall_id,
       r.next_recall_date AS next_recall_date, r.last_recall_date AS last_recall_date,
       rt.description AS recall_description, p.receive_recalls AS receive_recalls
FROM {schema}.{recall_table} r
LEFT JOIN {schema}.{recall_type_table} rt ON rt.recall_id = r.recall_id
LEFT JOIN {schema}.{patient_table} p ON p.patient_id = r.patient_id
WHERE r.patient_id > ? {upper_filter} {changed_filter}
ORDER BY r.patient_id, r.recall_id
{limit}
