// id: users-without-mfa-can-escalate
// title: Users without MFA who can escalate
// category: attack-paths
// severity: high
// description: Console users without MFA (AWS users with a password, Entra users without strong authentication)
//   that hold an escalation edge, directly or through their groups.
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html
// providers: aws, azure, gcp
MATCH (u:Identity)
WHERE (u:AWSUser AND u.mfaEnabled = false AND u.hasLoginProfile = true) OR (u:AZUser AND u.mfaRegistered = false)
MATCH (u)-[:{{MEMBERSHIP}}]->{0,2}(x:Principal)-[r:{{ESCALATION}}]->(t:Entity)
WITH u, count(DISTINCT t) AS targets, collect(DISTINCT r.technique)[..10] AS techniques,
     collect(DISTINCT t.id)[..10] AS targetIds
RETURN u.id AS subjectId, u.name AS subjectName, targets, techniques, targetIds
ORDER BY targets DESC, subjectId
