// id: tier-zero-reachable
// title: Principals that can reach tier zero
// category: attack-paths
// severity: critical
// description: Every principal (except cloud service principals) that is not tier zero itself but has a path of at most maxHops traversable edges to
//   a tier-zero (admin-equivalent) node; one row per principal and first tier-zero node reached, with
//   the shortest path.
// param: maxHops int = 8 -- Maximum hops
// result: graph
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members, https://pathfinding.cloud
// providers: aws, azure, gcp
MATCH (a:Principal)
WHERE coalesce(a.tierZero, false) = false AND NOT a:AWSServicePrincipal
// Every node before the end is not tier zero, so each principal is reported with the first
// tier-zero nodes it reaches (deterministic: the constraint is part of the search).
MATCH p = ANY SHORTEST (a)((x)-[:{{TRAVERSABLE}}]->(y) WHERE coalesce(x.tierZero, false) = false){1,{{maxHops}}}(t:Entity WHERE t.tierZero = true)
RETURN a.id AS subjectId, a.name AS subjectName, a.kind AS kind, t.id AS targetId, t.name AS targetName,
       length(p) AS hops, p AS path
ORDER BY hops, subjectId, targetId
