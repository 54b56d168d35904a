// id: toxic-passrole-compute
// title: PassRole plus compute creation into a privileged role
// category: privilege
// severity: high
// description: Toxic combination: a principal can pass a privileged role (tier zero or with high-risk access) to a
//   service resource whose code it controls.
// result: table
// references: https://pathfinding.cloud
// providers: aws
MATCH (a:Principal)-[r:AWS_PASSROLE_VIA]->(role:AWSRole)
WHERE coalesce(a.tierZero, false) = false
OPTIONAL MATCH (role)-[c:CAN_ACCESS]->()
WITH a, r, role, sum(coalesce(c.highRiskCount, 0)) AS roleHighRisk
WHERE role.tierZero = true OR roleHighRisk > 0
RETURN a.id AS subjectId, a.name AS subjectName, role.id AS targetId, role.name AS targetName,
       r.technique AS technique, r.svc AS service, roleHighRisk
ORDER BY subjectId, targetId
