SELECT pr.ProvNum AS provnum, pr.Abbr AS abbr, pr.FName AS fname, pr.LName AS lname,
       pr.IsSecondary AS issecondary, pr.IsHidden AS ishidden, pr.ProvStatus AS provstatus
FROM provider pr
WHERE pr.ProvNum > ? {changed_filter}
ORDER BY pr.ProvNum
{limit}
