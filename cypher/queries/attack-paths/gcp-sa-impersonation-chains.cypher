// id: gcp-sa-impersonation-chains
// title: Service-account impersonation chains
// category: attack-paths
// severity: medium
// description: Principals that reach a service account through two or more impersonation steps (token minting, key
//   creation, JWT/blob signing, delegation).
// result: graph
// providers: gcp
MATCH p = (a:Principal)-[:GCP_GET_ACCESS_TOKEN|GCP_CREATE_SA_KEY|GCP_SIGN_JWT|GCP_SIGN_BLOB|GCP_IMPLICIT_DELEGATION]->{2,4}(sa:GCPServiceAccount)
WHERE NOT a:GCPServiceAccount
RETURN a.id AS subjectId, a.name AS subjectName, sa.id AS targetId, sa.name AS targetName, length(p) AS hops, p AS path
ORDER BY hops DESC, subjectId
LIMIT 1000
