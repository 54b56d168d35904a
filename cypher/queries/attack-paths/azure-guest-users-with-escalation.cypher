// id: azure-guest-users-with-escalation
// title: Guest users with an escalation edge
// category: attack-paths
// severity: high
// description: Entra guest (B2B) users who can escalate.
// result: table
// providers: azure
MATCH (u:AZUser)-[r:{{ESCALATION}}]->(t:Entity)
WHERE u.userType = 'Guest'
RETURN u.id AS subjectId, u.name AS subjectName, t.id AS targetId, type(r) AS edge, r.technique AS technique
ORDER BY subjectId, targetId
