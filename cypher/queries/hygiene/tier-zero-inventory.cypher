// id: tier-zero-inventory
// title: Tier-zero inventory
// category: hygiene
// severity: info
// description: How many tier-zero nodes each provider, account and kind holds.
// result: table
// references: https://bloodhound.specterops.io/get-started/security-boundaries/tier-zero-members
// providers: aws, azure, gcp
MATCH (n:Entity)
WHERE n.tierZero = true
RETURN n.provider AS provider, n.account AS account, n.kind AS kind, count(*) AS nodes
ORDER BY provider, account, kind
