// id: shadow-admins
// title: Shadow admins
// category: privilege
// severity: high
// description: Identities that are admin-equivalent although neither their name nor any of their groups says admin:
//   privilege granted sideways (inline policies, escalation results, forgotten attachments).
// result: table
// references: https://github.com/nccgroup/PMapper
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE i.tierZero = true AND NOT toLower(coalesce(i.name, '')) CONTAINS 'admin'
  AND NOT EXISTS {
    MATCH (i)-[:{{MEMBERSHIP}}]->(g:Group)
    WHERE g.tierZero = true OR toLower(coalesce(g.name, '')) CONTAINS 'admin'
  }
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, i.tierZeroReason AS reason
ORDER BY subjectId
