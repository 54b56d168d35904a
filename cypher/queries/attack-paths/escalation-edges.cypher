// id: escalation-edges
// title: All privilege-escalation edges
// category: attack-paths
// severity: info
// description: Every escalation edge in the graph with its technique and one-line reason.
// param: limit int = 1000 -- Rows at most
// result: table
// references: https://pathfinding.cloud
// providers: aws, azure, gcp
MATCH (a:Entity)-[r:{{ESCALATION}}]->(b:Entity)
RETURN a.id AS sourceId, a.name AS sourceName, type(r) AS edge, r.technique AS technique, b.id AS targetId,
       b.name AS targetName, r.reason AS reason, coalesce(r.conditional, false) AS conditional
ORDER BY sourceId, edge, targetId
LIMIT $limit
