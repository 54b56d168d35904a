// id: excessive-privilege-transitive
// title: Transitive excessive privilege
// category: privilege
// severity: medium
// description: High-risk actions an identity reaches through groups, assumed roles, federation and impersonation
//   (IDENTITY_CHAIN edges, up to maxHops), compared with the grants used within the lookback window.
//   The server sums each principal's grants once and walks the chains in memory; the Cypher states the result.
// param: lookbackDays int = 90 -- Usage lookback window in days
// param: maxHops int = 3 -- Hops through groups, roles and impersonation
// param: minUnused int = 1 -- Report at least this many high-risk actions not in use
// result: table
// providers: aws, azure, gcp
// engine: transitive-privilege
MATCH (i:Identity)
WHERE coalesce(i.stub, false) = false AND coalesce(i.tierZero, false) = false
MATCH (i)-[:{{IDENTITY_CHAIN}}*0..{{maxHops}}]->(p:Principal)
WITH DISTINCT i, p
MATCH (p)-[c:CAN_ACCESS]->()
WITH i, count(DISTINCT p) AS principalsReached, sum(coalesce(c.highRiskCount, 0)) AS highRiskReached,
     sum(CASE WHEN c.lastUsed >= datetime() - duration({days: $lookbackDays}) THEN coalesce(c.highRiskCount, 0) ELSE 0 END) AS highRiskInUse
WHERE principalsReached > 1 AND highRiskReached - highRiskInUse >= $minUnused
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, principalsReached, highRiskReached, highRiskInUse,
       highRiskReached - highRiskInUse AS highRiskNotInUse
ORDER BY highRiskNotInUse DESC, subjectId
