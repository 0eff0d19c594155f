SELECT c.ClinicNum AS clinicnum, c.Description AS description, c.Abbr AS abbr,
       c.Address AS address, c.City AS city, c.State AS state, c.Zip AS zip, c.Phone AS phone,
       c.TimeZone AS timezone, c.IsHidden AS ishidden
FROM clinic c
WHERE c.ClinicNum > ? {changed_filter}
ORDER BY c.ClinicNum
{limit}
