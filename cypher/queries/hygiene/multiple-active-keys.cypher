// id: multiple-active-keys
// title: Users with more than one active access key
// category: hygiene
// severity: low
// description: Two active keys usually mean a rotation that never finished.
// result: table
// providers: aws
MATCH (u:AWSUser)-[:AWS_HAS_ACCESS_KEY]->(k:AWSAccessKey)
WHERE k.status = 'Active'
WITH u, count(k) AS activeKeys
WHERE activeKeys > 1
RETURN u.id AS subjectId, u.name AS subjectName, activeKeys
ORDER BY subjectId
