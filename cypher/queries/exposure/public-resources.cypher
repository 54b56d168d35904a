// id: public-resources
// title: Resources open to anyone
// category: exposure
// severity: high
// description: Resources whose resource policy admits anyone, or that anyone has effective access to.
// result: table
// references: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html
// providers: aws, azure, gcp
MATCH (x:Resource)
WHERE x.publicAccess = true OR EXISTS { MATCH ()-[c:CAN_ACCESS]->(x) WHERE c.isPublic = true }
RETURN x.id AS subjectId, x.name AS subjectName, x.kind AS kind
ORDER BY subjectId
