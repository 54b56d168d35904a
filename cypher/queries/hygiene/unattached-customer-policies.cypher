// id: unattached-customer-policies
// title: Customer-managed policies attached to nothing
// category: hygiene
// severity: info
// description: Customer-managed policies with no attachment (clean-up candidates).
// result: table
// providers: aws
MATCH (p:AWSPolicy)
WHERE coalesce(p.awsManaged, false) = false AND coalesce(p.policyType, 'managed') = 'managed'
  AND NOT EXISTS { MATCH ()-[:AWS_HAS_POLICY]->(p) }
RETURN p.id AS id, p.name AS name, p.account AS account
ORDER BY id
