// id: privileged-group-members
// title: Members of tier-zero groups
// category: privilege
// severity: info
// description: Direct members of admin-equivalent groups.
// result: table
// providers: aws, azure, gcp
MATCH (m:Principal)-[:{{MEMBERSHIP}}]->(g:Group)
WHERE g.tierZero = true
RETURN g.id AS groupId, g.name AS groupName, m.id AS memberId, m.name AS memberName, m.kind AS memberKind
ORDER BY groupId, memberId
