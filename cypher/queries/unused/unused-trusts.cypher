// id: unused-trusts
// title: Unused trust relationships
// category: unused
// severity: low
// description: Role trust relationships of roles not assumed within the lookback window.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// providers: aws
MATCH (r:AWSRole)-[t:AWS_TRUSTS]->(p:Principal)
WHERE r.usageKnown = true AND (r.lastUsed IS NULL OR r.lastUsed < datetime() - duration({days: $lookbackDays}))
RETURN r.id AS subjectId, r.name AS subjectName, p.id AS targetId, p.name AS trustedName, t.action AS action
ORDER BY subjectId, targetId
