// id: admin-equivalent-principals
// title: Admin-equivalent (tier-zero) principals
// category: privilege
// severity: info
// description: Every tier-zero principal with the rule that made it tier zero.
// result: table
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members
// providers: aws, azure, gcp
MATCH (p:Principal)
WHERE p.tierZero = true
RETURN p.id AS id, p.name AS name, p.kind AS kind, p.provider AS provider, p.account AS account,
       p.tierZeroReason AS reason
ORDER BY provider, account, id
