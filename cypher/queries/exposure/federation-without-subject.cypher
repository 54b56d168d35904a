// id: federation-without-subject
// title: Cross-cloud federation without a subject condition
// category: exposure
// severity: high
// description: Federation edges between clouds that do not pin the subject: any identity of the issuer can come in.
// result: table
// providers: aws, azure, gcp
MATCH (a:Entity)-[f:FEDERATES_TO]->(b:Entity)
WHERE f.subject IS NULL OR f.subject = ''
RETURN a.id AS subjectId, a.name AS subjectName, b.id AS targetId, b.name AS targetName, f.issuer AS issuer
ORDER BY subjectId, targetId
