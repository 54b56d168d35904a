// id: unused-group-memberships
// title: Unused group memberships
// category: unused
// severity: low
// description: Memberships where the member used none of the services the group grants within the lookback window
//   (members with usage data only).
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// providers: aws, azure, gcp
MATCH (u:Identity)-[:{{MEMBERSHIP}}]->(g:Group)
WHERE u.usageKnown = true
MATCH (g)-[gc:CAN_ACCESS]->()
WITH u, g, collect(DISTINCT gc.service) AS services
WHERE NOT EXISTS {
  MATCH (u)-[uc:CAN_ACCESS]->()
  WHERE (uc.service IN services OR '*' IN services) AND uc.lastUsed >= datetime() - duration({days: $lookbackDays})
}
RETURN u.id AS subjectId, u.name AS subjectName, g.id AS targetId, g.name AS groupName, services
ORDER BY subjectId, targetId
