// id: stale-scopes
// title: Scopes with stale data
// category: hygiene
// severity: medium
// description: Accounts, tenants or projects whose last scan failed or was partial: results for them are older than
//   the rest.
// result: table
// providers: aws, azure, gcp
MATCH (s:PGScope)
WHERE s.stale = true
RETURN s.id AS subjectId, s.id AS subjectName, s.provider AS provider, s.staleReason AS reason,
       s.lastCompleteAt AS lastCompleteAt
ORDER BY subjectId
