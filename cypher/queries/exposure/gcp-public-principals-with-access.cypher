// id: gcp-public-principals-with-access
// title: allUsers / allAuthenticatedUsers with access
// category: exposure
// severity: critical
// description: Public GCP members with effective access or an escalation edge.
// result: table
// providers: gcp
MATCH (x:GCPPublic)-[r]->(t:Entity)
WHERE type(r) = 'CAN_ACCESS' OR r.technique IS NOT NULL
RETURN x.id AS subjectId, x.name AS subjectName, t.id AS targetId, t.name AS targetName, type(r) AS edge
ORDER BY subjectId, targetId
