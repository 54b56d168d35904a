// id: users-without-mfa
// title: Console users without MFA
// category: hygiene
// severity: medium
// description: AWS users with a console password and no MFA device; Entra users without strong authentication
//   methods.
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html
// providers: aws, azure
MATCH (u:Identity)
WHERE (u:AWSUser AND u.hasLoginProfile = true AND coalesce(u.mfaEnabled, false) = false)
   OR (u:AZUser AND u.mfaRegistered = false AND coalesce(u.enabled, true) = true)
RETURN u.id AS subjectId, u.name AS subjectName, u.kind AS kind
ORDER BY subjectId
