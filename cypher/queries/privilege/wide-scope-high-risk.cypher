// id: wide-scope-high-risk
// title: High-risk access to a whole account, subscription or project
// category: privilege
// severity: medium
// description: Principals that are not tier zero with high-risk actions granted on every resource of a scope.
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->(s:Scope)
WHERE c.allResources = true AND c.highRiskCount > 0 AND coalesce(a.tierZero, false) = false
WITH a, s, sum(c.highRiskCount) AS highRisk, collect(c.service)[..20] AS services
RETURN a.id AS subjectId, a.name AS subjectName, s.id AS targetId, s.name AS targetName, highRisk, services
ORDER BY highRisk DESC, subjectId
