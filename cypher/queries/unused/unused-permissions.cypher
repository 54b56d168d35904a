// id: unused-permissions
// title: Unused and unknown permissions per service
// category: unused
// severity: info
// description: Each identity and service with granted actions, marked unused (tracked, not used in the window),
//   used, or no usage data.
// param: lookbackDays int = 90 -- Usage lookback window in days
// param: limit int = 5000 -- Rows at most
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html
// providers: aws, azure, gcp
MATCH (i:Identity)-[c:CAN_ACCESS]->(x:Entity)
RETURN i.id AS id, i.name AS name, c.service AS service, x.id AS targetId, c.actionCount AS actions,
       c.highRiskCount AS highRisk, c.lastUsed AS lastUsed,
       CASE WHEN coalesce(c.usageKnown, false) = false THEN 'no usage data'
            WHEN c.lastUsed IS NULL OR c.lastUsed < datetime() - duration({days: $lookbackDays}) THEN 'unused'
            ELSE 'used' END AS usage
ORDER BY id, service
LIMIT $limit
