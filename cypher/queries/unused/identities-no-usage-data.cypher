// id: identities-no-usage-data
// title: Identities without usage data
// category: unused
// severity: info
// description: Identities for which the cloud reported no usage at all: their use is unknown, not "unused".
// result: table
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE coalesce(i.usageKnown, false) = false AND coalesce(i.stub, false) = false
RETURN i.id AS id, i.name AS name, i.kind AS kind, i.provider AS provider, i.account AS account, 'no usage data' AS usage
ORDER BY provider, account, id
