// id: groups-never-used
// title: Groups whose members never use the group permissions
// category: unused
// severity: medium
// description: Groups granting access where no member (all with usage data) used any of the granted services within
//   the lookback window.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// providers: aws, azure, gcp
MATCH (g:Group)-[gc:CAN_ACCESS]->()
WITH g, collect(DISTINCT gc.service) AS services
MATCH (m:Identity)-[:{{MEMBERSHIP}}]->(g)
WITH g, services, collect(m) AS members
WHERE all(m IN members WHERE m.usageKnown = true)
  AND NOT EXISTS {
    MATCH (x:Identity)-[:{{MEMBERSHIP}}]->(g)
    MATCH (x)-[uc:CAN_ACCESS]->()
    WHERE (uc.service IN services OR '*' IN services) AND uc.lastUsed >= datetime() - duration({days: $lookbackDays})
  }
RETURN g.id AS subjectId, g.name AS subjectName, size(members) AS members, services
ORDER BY subjectId
