// id: unused-roles
// title: Unused roles
// category: unused
// severity: medium
// description: IAM roles (not service-linked) with no use within the lookback window.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html
// providers: aws
MATCH (r:AWSRole)
WHERE r.usageKnown = true AND coalesce(r.serviceLinked, false) = false
  AND (r.lastUsed IS NULL OR r.lastUsed < datetime() - duration({days: $lookbackDays}))
RETURN r.id AS subjectId, r.name AS subjectName, r.lastUsed AS lastUsed,
       CASE WHEN r.lastUsed IS NULL THEN 'never used' ELSE 'unused' END AS usage
ORDER BY subjectId
