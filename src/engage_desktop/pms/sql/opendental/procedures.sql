-- A full pass reads treatment-planned procedures only; an incremental pass reads every changed
-- procedure so that completed or deleted ones leave the "unscheduled treatment" list.
SELECT pl.ProcNum AS procnum, pl.PatNum AS patnum, pl.ProcStatus AS procstatus,
       pc.ProcCode AS proccode, pc.Descript AS descript, pl.ProcFee AS procfee,
       pl.ProvNum AS provnum, pl.ClinicNum AS clinicnum, pl.AptNum AS aptnum,
       CAST(pl.DateTP AS CHAR) AS datetp, CAST(pl.DateTStamp AS CHAR) AS datetstamp
FROM procedurelog pl
LEFT JOIN procedurecode pc ON pc.CodeNum = pl.CodeNum
WHERE pl.ProcNum > ? {changed_filter}
ORDER BY pl.ProcNum
{limit}
