// id: external-principals-with-escalation
// title: Outside principals with an escalation edge into the estate
// category: attack-paths
// severity: high
// description: Foreign accounts, anyone, whole domains and identity pools that can become or control a principal of
//   a collected scope.
// result: table
// providers: aws, azure, gcp
MATCH (x:External)-[r:{{ESCALATION}}]->(t:Entity)
RETURN x.id AS subjectId, x.name AS subjectName, t.id AS targetId, t.name AS targetName, type(r) AS edge,
       r.technique AS technique, coalesce(t.tierZero, false) AS targetTierZero
ORDER BY targetTierZero DESC, subjectId, targetId
