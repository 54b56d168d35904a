// id: shortest-path-between
// title: Shortest paths between two nodes
// category: attack-paths
// severity: info
// description: All shortest traversable paths from one node to another within maxHops.
// param: from string required -- Start node id
// param: to string required -- End node id
// param: maxHops int = 8 -- Maximum hops
// result: graph
// providers: aws, azure, gcp
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
MATCH p = ALL SHORTEST (a)-[:{{TRAVERSABLE}}]->{1,{{maxHops}}}(b)
RETURN a.id AS subjectId, a.name AS subjectName, b.id AS targetId, b.name AS targetName, length(p) AS hops, p AS path
LIMIT 25
