// id: largest-blast-radius
// title: Largest blast radius per account
// category: privilege
// severity: info
// description: Per account, the principal with the most distinct targets of effective access and escalation.
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->(x:Entity)
WITH a, count(DISTINCT x) AS accessTargets, sum(coalesce(c.highRiskCount, 0)) AS highRisk
OPTIONAL MATCH (a)-[:{{ESCALATION}}]->(e:Entity)
WITH a, accessTargets, highRisk, count(DISTINCT e) AS escalations
WITH a, accessTargets + escalations AS radius, highRisk
ORDER BY radius DESC, highRisk DESC, a.id
WITH a.provider AS provider, a.account AS account, collect(a)[0] AS top, collect(radius)[0] AS radius,
     collect(highRisk)[0] AS highRisk
RETURN provider, account, top.id AS principalId, top.name AS principalName, radius, highRisk
ORDER BY radius DESC
