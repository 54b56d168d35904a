// id: tier-zero-reachable
// title: Principals that can reach tier zero
// category: attack-paths
// severity: critical
// description: Every principal (except cloud service principals) that is not tier zero itself but has a path of at most maxHops traversable edges to
//   a tier-zero (admin-equivalent) node; one row per principal, with one shortest path to the first
//   tier-zero node it reaches (the server answers it with a breadth-first search from tier zero; the
//   Cypher below states the same result).
// param: maxHops int = 8 -- Maximum hops
// result: graph
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members, https://pathfinding.cloud
// providers: aws, azure, gcp
// engine: tier-zero-reach
MATCH (a:Principal)
WHERE coalesce(a.tierZero, false) = false AND NOT a:AWSServicePrincipal
// Every node before the end is not tier zero: a path ends at the first tier-zero node it meets.
MATCH p = ANY SHORTEST (a)((x)-[:{{TRAVERSABLE}}]->(y) WHERE coalesce(x.tierZero, false) = false){1,{{maxHops}}}(t:Entity WHERE t.tierZero = true)
WITH a, p, t ORDER BY length(p), t.id
WITH a, head(collect(p)) AS path
WITH a, path, last(nodes(path)) AS t
RETURN a.id AS subjectId, a.name AS subjectName, a.kind AS kind, t.id AS tierZeroId, t.name AS tierZeroName,
       length(path) AS hops, path
ORDER BY subjectId
