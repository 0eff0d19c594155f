-- Patients with their per-type messaging opt-outs. Dates are read as text: real installs hold
-- '0000-00-00' values that some ODBC drivers refuse to convert; the mapper parses them.
SELECT p.PatNum AS patnum, p.LName AS lname, p.FName AS fname, p.MiddleI AS middlei,
       p.Preferred AS preferred, p.ChartNumber AS chartnumber,
       CAST(p.Birthdate AS CHAR) AS birthdate, p.PatStatus AS patstatus, p.Gender AS gender,
       p.HmPhone AS hmphone, p.WkPhone AS wkphone, p.WirelessPhone AS wirelessphone,
       p.Email AS email, p.Address AS address, p.Address2 AS address2, p.City AS city,
       p.State AS state, p.Zip AS zip, p.TxtMsgOk AS txtmsgok,
       p.PreferContactMethod AS prefercontactmethod, p.PriProv AS priprov, p.SecProv AS secprov,
       p.ClinicNum AS clinicnum, p.Guarantor AS guarantor, p.Language AS language,
       CAST(p.DateFirstVisit AS CHAR) AS datefirstvisit,
       CAST(p.DateTimeDeceased AS CHAR) AS datetimedeceased,
       CAST(p.DateTStamp AS CHAR) AS datetstamp,
       (SELECT o.OptOutSms FROM commoptout o WHERE o.PatNum = p.PatNum
         ORDER BY o.CommOptOutNum DESC LIMIT 1) AS optoutsms,
       (SELECT o.OptOutEmail FROM commoptout o WHERE o.PatNum = p.PatNum
         ORDER BY o.CommOptOutNum DESC LIMIT 1) AS optoutemail
FROM patient p
WHERE p.PatNum > ? {changed_filter}
ORDER BY p.PatNum
{limit}
