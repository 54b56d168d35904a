// id: azure-pim-eligible-tier-zero
// title: PIM-eligible for a tier-zero Entra role
// category: attack-paths
// severity: high
// description: Principals one PIM activation away from tier zero.
// result: table
// providers: azure
MATCH (p:Principal)-[e:AZRoleEligible]->(r:AZRole)
WHERE r.tierZero = true OR r.templateId IN ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8']
RETURN p.id AS subjectId, p.name AS subjectName, r.id AS targetId, r.displayName AS role,
       coalesce(e.requiresApproval, false) AS requiresApproval
ORDER BY subjectId
