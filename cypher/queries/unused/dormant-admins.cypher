// id: dormant-admins
// title: Dormant identities that still hold admin
// category: unused
// severity: critical
// description: Tier-zero identities not used within the lookback window.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE i.tierZero = true AND i.usageKnown = true AND (i.lastUsed IS NULL OR i.lastUsed < datetime() - duration({days: $lookbackDays}))
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, i.lastUsed AS lastUsed, i.tierZeroReason AS reason
ORDER BY subjectId
