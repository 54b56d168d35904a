// id: high-risk-unused
// title: High-risk permissions granted and unused
// category: privilege
// severity: high
// description: Identities holding high-risk (write, permissions-management) actions on services they have not used
//   within the lookback window. Grants without usage data are not counted here (see unused-permissions).
// param: lookbackDays int = 90 -- Usage lookback window in days
// param: minUnused int = 1 -- Report identities with at least this many unused high-risk actions
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html, https://learn.microsoft.com/en-us/graph/api/resources/permissionscreepindex
// providers: aws, azure, gcp
MATCH (i:Identity)-[c:CAN_ACCESS]->()
WHERE c.highRiskCount > 0 AND c.usageKnown = true AND (c.lastUsed IS NULL OR c.lastUsed < datetime() - duration({days: $lookbackDays}))
WITH i, sum(c.highRiskCount) AS unusedHighRisk, collect(DISTINCT c.service)[..20] AS services
WHERE unusedHighRisk >= $minUnused
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, unusedHighRisk, services
ORDER BY unusedHighRisk DESC, subjectId
