// id: conditional-escalations
// title: Escalations that hinge on an undecided condition
// category: attack-paths
// severity: medium
// description: Escalation edges that hold only if an IAM condition evaluates in the attacker's favour; review the
//   conditions.
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[r:{{ESCALATION}}]->(b:Entity)
WHERE r.conditional = true
RETURN a.id AS subjectId, a.name AS subjectName, b.id AS targetId, b.name AS targetName, type(r) AS edge,
       r.technique AS technique, r.conditions AS conditions
ORDER BY subjectId, targetId
