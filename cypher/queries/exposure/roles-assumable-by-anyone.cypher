// id: roles-assumable-by-anyone
// title: Roles assumable by anyone
// category: exposure
// severity: critical
// description: Role trusts that admit any principal ("*").
// result: table
// providers: aws
MATCH (r:AWSRole)-[t:AWS_TRUSTS]->(p:AWSExternalPrincipal)
WHERE p.isPublic = true OR p.id = '*'
RETURN r.id AS subjectId, r.name AS subjectName, p.id AS targetId, t.action AS action, t.conditions AS conditions
ORDER BY subjectId
