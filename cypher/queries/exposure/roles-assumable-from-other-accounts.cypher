// id: roles-assumable-from-other-accounts
// title: Roles assumable from other accounts
// category: exposure
// severity: high
// description: Role trusts that admit a principal of a different account (collected or foreign).
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html
// providers: aws
MATCH (r:AWSRole)-[t:AWS_TRUSTS]->(p:Principal)
WHERE p.account IS NOT NULL AND p.account <> r.account
RETURN r.id AS subjectId, r.name AS subjectName, p.id AS targetId, p.account AS trustedAccount, t.action AS action,
       t.conditions AS conditions
ORDER BY subjectId, targetId
