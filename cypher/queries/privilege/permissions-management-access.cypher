// id: permissions-management-access
// title: Principals that can change permissions
// category: privilege
// severity: medium
// description: Principals that are not tier zero but hold actions of the Permissions management access level.
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->()
WHERE 'Permissions management' IN c.accessLevels AND coalesce(a.tierZero, false) = false
WITH a, collect(DISTINCT c.service) AS services
RETURN a.id AS subjectId, a.name AS subjectName, a.kind AS kind, services
ORDER BY subjectId
