// id: gcp-default-sa-editor
// title: Default service accounts with Editor
// category: privilege
// severity: high
// description: Default compute service accounts that were auto-granted the Editor role: every VM using them can
//   change the project.
// result: table
// references: https://cloud.google.com/iam/docs/service-account-types#default
// providers: gcp
MATCH (sa:GCPServiceAccount)
WHERE sa.autoEditor = true AND coalesce(sa.disabled, false) = false
RETURN sa.id AS subjectId, sa.name AS subjectName, sa.projectId AS project
ORDER BY subjectId
