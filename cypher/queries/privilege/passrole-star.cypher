// id: passrole-star
// title: iam:PassRole on every role
// category: privilege
// severity: high
// description: Principals allowed iam:PassRole on "*": combined with any compute-creation permission they run code
//   as any role of the account.
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
// providers: aws
MATCH (a:Principal)-[c:CAN_ACCESS]->(x:Entity)
WHERE (c.service = '*' OR c.service = 'iam' AND 'iam:PassRole' IN c.actions) AND (c.allResources = true OR '*' IN c.resources)
  AND coalesce(a.tierZero, false) = false
RETURN DISTINCT a.id AS subjectId, a.name AS subjectName, a.kind AS kind, x.id AS targetId
ORDER BY subjectId
