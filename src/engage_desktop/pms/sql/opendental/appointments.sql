-- Appointments with the confirmation status label (definition category 2).
SELECT a.AptNum AS aptnum, a.PatNum AS patnum, CAST(a.AptDateTime AS CHAR) AS aptdatetime,
       a.AptStatus AS aptstatus, a.Pattern AS pattern, a.ProvNum AS provnum,
       a.ProvHyg AS provhyg, a.ClinicNum AS clinicnum, a.IsHygiene AS ishygiene,
       a.ProcDescript AS procdescript, d.ItemName AS confirmed,
       CAST(a.DateTStamp AS CHAR) AS datetstamp
FROM appointment a
LEFT JOIN definition d ON d.DefNum = a.Confirmed
WHERE a.AptNum > ? {changed_filter}
ORDER BY a.AptNum
{limit}
