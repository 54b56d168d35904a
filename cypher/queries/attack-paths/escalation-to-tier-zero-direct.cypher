// id: escalation-to-tier-zero-direct
// title: One-step escalation to tier zero
// category: attack-paths
// severity: critical
// description: Principals that are not tier zero but hold an escalation edge straight into a tier-zero node (one
//   action away from admin).
// result: table
// references: https://pathfinding.cloud
// providers: aws, azure, gcp
MATCH (a:Principal)-[r:{{ESCALATION}}]->(t:Entity)
WHERE t.tierZero = true AND coalesce(a.tierZero, false) = false
RETURN a.id AS subjectId, a.name AS subjectName, t.id AS targetId, t.name AS targetName, type(r) AS edge,
       r.technique AS technique, r.reason AS reason, coalesce(r.conditional, false) AS conditional
ORDER BY subjectId, targetId
