// id: pci-high-identities
// title: Identities with a high Permission Creep Index
// category: pci
// severity: high
// description: Identities whose PCI (unused high-risk permissions weighted by resource reach) is at or above
//   minPci. See docs/pci.md.
// param: minPci int = 67 -- Lowest PCI reported
// result: table
// references: https://learn.microsoft.com/en-us/graph/api/resources/permissionscreepindex
// providers: aws, azure, gcp
MATCH (i:Identity)
WHERE i.pci >= $minPci
RETURN i.id AS subjectId, i.name AS subjectName, i.kind AS kind, i.pci AS pci, i.pciLevel AS level
ORDER BY pci DESC, subjectId
