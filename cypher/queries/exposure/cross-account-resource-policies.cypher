// id: cross-account-resource-policies
// title: Resource policies that admit other accounts
// category: exposure
// severity: medium
// description: Resources whose resource policy admits a principal of another account.
// result: table
// providers: aws
MATCH (x:Resource)
WHERE x.crossAccountAccess = true
RETURN x.id AS subjectId, x.name AS subjectName, x.kind AS kind, x.account AS account
ORDER BY subjectId
