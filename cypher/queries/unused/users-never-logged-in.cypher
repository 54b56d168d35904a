// id: users-never-logged-in
// title: Console users who never signed in
// category: unused
// severity: low
// description: IAM users with a console password that was never used.
// result: table
// providers: aws
MATCH (u:AWSUser)
WHERE u.hasLoginProfile = true AND u.passwordLastUsed IS NULL
RETURN u.id AS subjectId, u.name AS subjectName, u.createDate AS created
ORDER BY subjectId
