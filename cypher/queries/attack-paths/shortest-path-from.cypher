// id: shortest-path-from
// title: Shortest paths from a principal to tier zero
// category: attack-paths
// severity: info
// description: Shortest path from the given node to each tier-zero node it can reach within maxHops, each path
//   ending at the first tier-zero node it meets (the 25 nearest).
// param: from string required -- Start node id (ARN, object id, member)
// param: maxHops int = 8 -- Maximum hops
// result: graph
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members
// providers: aws, azure, gcp
// engine: tier-zero-from
MATCH (a:Entity {id: $from})
MATCH p = ANY SHORTEST (a)((x)-[:{{TRAVERSABLE}}]->(y) WHERE x = a OR coalesce(x.tierZero, false) = false){1,{{maxHops}}}(t:Entity WHERE t.tierZero = true)
RETURN a.id AS subjectId, a.name AS subjectName, t.id AS targetId, t.name AS targetName, length(p) AS hops, p AS path
ORDER BY hops, targetId
LIMIT 25
