-- Procedures from admin.fullproclog + admin.proccode (facts 2.3, Pozative). A full pass adds
-- the treatment-planned chartstatus filter (a setting: the TP code is UNCONFIRMED).
SELECT {top} pl.procid AS procid, pl.patid AS patid, pl.chartstatus AS chartstatus,
       pl.procdate AS procdate, pl.createdate AS createdate, pl.provid AS provid,
       pl.amt AS amt, pc.adacode AS adacode, pc.abbrevdescript AS abbrevdescript
FROM {schema}.{procedure_table} pl
LEFT JOIN {schema}.{procedure_code_table} pc ON pc.proccodeid = pl.proccodeid
WHERE pl.procid > ? {changed_filter}
ORDER BY pl.procid
{limit}
