// id: pci-by-account
// title: Permission Creep Index per account
// category: pci
// severity: info
// description: PCI of identities rolled up per provider and account / subscription / project (see docs/pci.md).
// result: table
// references: https://learn.microsoft.com/en-us/graph/api/resources/permissionscreepindex
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE i.pci IS NOT NULL
WITH i.provider AS provider, i.account AS account, count(i) AS identities, avg(i.pci) AS meanPci, max(i.pci) AS maxPci,
     sum(CASE WHEN i.pci >= 67 THEN 1 ELSE 0 END) AS high
RETURN provider, account, identities, toInteger(round(0.5 * maxPci + 0.5 * meanPci)) AS pci, maxPci, high
ORDER BY pci DESC
