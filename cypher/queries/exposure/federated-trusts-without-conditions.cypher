// id: federated-trusts-without-conditions
// title: Federated roles without trust conditions
// category: exposure
// severity: high
// description: Roles that trust a SAML or OIDC provider without any condition (audience, subject): every identity
//   of the issuer can assume them.
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
// providers: aws
MATCH (r:AWSRole)-[t:AWS_TRUSTS]->(p:AWSIdentityProvider)
WHERE t.conditions IS NULL OR t.conditions IN ['{}', '[]', 'null']
RETURN r.id AS subjectId, r.name AS subjectName, p.id AS targetId, p.providerType AS providerType, p.url AS issuer,
       t.action AS action
ORDER BY subjectId
