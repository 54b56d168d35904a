// id: stale-access-keys
// title: Stale access keys
// category: unused
// severity: medium
// description: Active access keys not used within the lookback window.
// param: lookbackDays int = 90 -- Usage lookback window in days
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html
// providers: aws
MATCH (u:AWSUser)-[:AWS_HAS_ACCESS_KEY]->(k:AWSAccessKey)
WHERE k.status = 'Active' AND k.usageKnown = true AND (k.lastUsed IS NULL OR k.lastUsed < datetime() - duration({days: $lookbackDays}))
RETURN k.id AS subjectId, coalesce(k.accessKeyId, k.id) AS subjectName, u.id AS targetId, u.name AS userName,
       k.createDate AS created, k.lastUsed AS lastUsed
ORDER BY subjectId
