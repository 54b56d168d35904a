// id: workloads-running-as-tier-zero
// title: Workloads that run as a tier-zero identity
// category: attack-paths
// severity: high
// description: Compute (functions, instances, managed identities, service-account workloads) whose runtime
//   credentials are admin-equivalent: whoever controls the code controls the estate.
// result: table
// providers: aws, azure, gcp
MATCH (w:Resource)-[:AWS_RUNS_AS|AZManagedIdentity|GCP_RUNS_AS|AWS_HAS_INSTANCE_PROFILE|AWS_PROFILE_HAS_ROLE]->{1,2}(i:Principal)
WHERE i.tierZero = true AND NOT w:AWSInstanceProfile
RETURN DISTINCT w.id AS subjectId, w.name AS subjectName, w.kind AS kind, i.id AS targetId, i.name AS targetName
ORDER BY subjectId
