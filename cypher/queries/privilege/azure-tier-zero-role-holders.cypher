// id: azure-tier-zero-role-holders
// title: Holders of tier-zero Entra roles
// category: privilege
// severity: info
// description: Principals with an active Global Administrator, Privileged Role Administrator, Privileged
//   Authentication Administrator or Partner Tier2 Support assignment.
// result: table
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members
// providers: azure
MATCH (p:Principal)-[:AZHasRole]->(r:AZRole)
WHERE r.templateId IN ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8']
RETURN p.id AS id, p.name AS name, p.kind AS kind, r.displayName AS role
ORDER BY role, id
