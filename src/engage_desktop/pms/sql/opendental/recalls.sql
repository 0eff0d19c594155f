SELECT r.RecallNum AS recallnum, r.PatNum AS patnum, rt.Description AS recalltype,
       CAST(r.DateDue AS CHAR) AS datedue, CAST(r.DatePrevious AS CHAR) AS dateprevious,
       CAST(r.DateScheduled AS CHAR) AS datescheduled, r.IsDisabled AS isdisabled,
       CAST(r.DateTStamp AS CHAR) AS datetstamp
FROM recall r
LEFT JOIN recalltype rt ON rt.RecallTypeNum = r.RecallTypeNum
WHERE r.RecallNum > ? {changed_filter}
ORDER BY r.RecallNum
{limit}
