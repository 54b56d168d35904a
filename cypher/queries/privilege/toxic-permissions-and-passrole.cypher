// id: toxic-permissions-and-passrole
// title: Permission management together with identity delegation
// category: privilege
// severity: high
// description: Toxic combination: a principal that is not tier zero can change permissions (Permissions management
//   access level) and can also hand an identity to compute (iam:PassRole, iam.serviceAccounts.actAs,
//   managed identity assign).
// result: table
// providers: aws, azure, gcp
MATCH (a:Principal)-[c:CAN_ACCESS]->()
WHERE coalesce(a.tierZero, false) = false
WITH a, collect(c) AS grants
WHERE any(g IN grants WHERE 'Permissions management' IN g.accessLevels)
  AND any(g IN grants WHERE g.service = '*' OR 'iam:PassRole' IN g.actions OR 'iam.serviceAccounts.actAs' IN g.actions
      OR 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' IN g.actions)
RETURN a.id AS subjectId, a.name AS subjectName, a.kind AS kind, size(grants) AS grants
ORDER BY subjectId
