// id: inline-policies
// title: Principals with inline policies
// category: hygiene
// severity: low
// description: Inline policies are invisible in managed-policy reviews and cannot be reused; prefer managed
//   policies.
// result: table
// providers: aws
MATCH (p:Principal)-[:AWS_HAS_POLICY]->(ip:AWSInlinePolicy)
WITH p, collect(ip.policyName) AS policies
RETURN p.id AS subjectId, p.name AS subjectName, p.kind AS kind, policies
ORDER BY subjectId
