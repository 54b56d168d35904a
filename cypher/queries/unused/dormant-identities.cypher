// id: dormant-identities
// title: Dormant identities
// category: unused
// severity: medium
// description: Identities with usage data and no use within the lookback window (never used, or last use older).
//   Identities without usage data are listed by identities-no-usage-data.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE i.usageKnown = true AND coalesce(i.stub, false) = false
  AND (i.lastUsed IS NULL OR i.lastUsed < datetime() - duration({days: $lookbackDays}))
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, i.lastUsed AS lastUsed,
       CASE WHEN i.lastUsed IS NULL THEN 'never used' ELSE 'unused' END AS usage
ORDER BY subjectId
