// id: stale-keys-high-risk
// title: Stale access keys with high-risk permissions
// category: unused
// severity: high
// description: Active access keys unused within the lookback window whose user holds high-risk actions: a forgotten
//   credential that can change things.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// providers: aws
MATCH (u:AWSUser)-[:AWS_HAS_ACCESS_KEY]->(k:AWSAccessKey)
WHERE k.status = 'Active' AND k.usageKnown = true AND (k.lastUsed IS NULL OR k.lastUsed < datetime() - duration({days: $lookbackDays}))
MATCH (u)-[c:CAN_ACCESS]->()
WITH u, k, sum(coalesce(c.highRiskCount, 0)) AS highRisk
WHERE highRisk > 0
RETURN k.id AS subjectId, coalesce(k.accessKeyId, k.id) AS subjectName, u.id AS targetId, u.name AS userName, highRisk,
       k.lastUsed AS lastUsed
ORDER BY highRisk DESC, subjectId
