// id: cross-cloud-federation
// title: Cross-cloud federation
// category: exposure
// severity: info
// description: Every federation edge from an issuer in one cloud to an identity provider or pool in another.
// result: table
// providers: aws, azure, gcp
MATCH (a:Entity)-[f:FEDERATES_TO]->(b:Entity)
RETURN a.id AS sourceId, a.provider AS sourceProvider, b.id AS targetId, b.provider AS targetProvider,
       f.issuer AS issuer, f.subject AS subject
ORDER BY sourceId, targetId
