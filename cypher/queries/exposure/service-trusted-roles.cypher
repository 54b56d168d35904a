// id: service-trusted-roles
// title: Roles trusted by cloud services
// category: exposure
// severity: info
// description: Roles that a cloud service can assume (the roles a PassRole grant can hand to compute).
// result: table
// providers: aws
MATCH (r:AWSRole)-[t:AWS_TRUSTS]->(s:AWSServicePrincipal)
RETURN r.id AS roleId, r.name AS roleName, s.id AS service, coalesce(r.tierZero, false) AS tierZero
ORDER BY roleId
