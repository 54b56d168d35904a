// id: cross-account-access
// title: Cross-account effective access
// category: privilege
// severity: medium
// description: Effective access from a principal of one account, subscription or project to a resource in another.
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->(x:Entity)
WHERE c.crossAccount = true
RETURN a.id AS subjectId, a.name AS subjectName, x.id AS targetId, x.name AS targetName, c.service AS service,
       c.highRiskCount AS highRisk
ORDER BY subjectId, targetId
