// id: admin-wildcard-access
// title: Principals with full administrator access
// category: privilege
// severity: medium
// description: Principals whose effective access includes every action on every resource (service "*").
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->(x:Entity)
WHERE c.service = '*'
RETURN DISTINCT a.id AS subjectId, a.name AS subjectName, a.kind AS kind, x.id AS targetId
ORDER BY subjectId
