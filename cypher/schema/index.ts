/**
 * The one declaration of the graph: node kinds, ontology labels, relationship types,
 * properties, constraints and indexes, edge sets for traversal, tier-zero rules.
 * Everything else (loader, snapshot validation, saved-query drift test, API enums, explorer
 * styles) is generated from here. This module imports nothing outside cypher/schema.
 */
import { EDGE_TYPES, type EdgeDef, type EdgeType, EdgeTypes } from './edges.js';
import { type KindDef, NODE_KINDS, type NodeKind, NodeKinds, Ontology, type Provider } from './kinds.js';
import { CommonEdgeProps, CommonNodeProps, type PropDef, type PropMap } from './properties.js';

export * from './edges.js';
export * from './kinds.js';
export * from './properties.js';

export const SCHEMA_VERSION = '1.0.0';

/** Labels of bookkeeping nodes (not part of the estate; never carry `Entity`). */
export const MetaLabel = {
  Scan: 'PGScan',
  ScopeState: 'PGScope',
  Finding: 'PGFinding',
  Token: 'PGToken',
  DeriveState: 'PGDerive',
} as const;
export type MetaLabel = (typeof MetaLabel)[keyof typeof MetaLabel];

export const MetaProps: Record<MetaLabel, PropMap> = {
  PGScan: {
    id: { type: 'string', description: 'Scan id' },
    status: { type: 'string', description: 'loading, complete or failed' },
    provider: { type: 'string', description: 'Provider' },
    scopes: { type: 'string[]', description: 'Scopes loaded by the scan (analysis: scopes it covered)' },
    source: { type: 'string', description: 'What the scan read' },
    snapshotHash: { type: 'string', description: 'SHA-256 of the snapshot' },
    batches: { type: 'int[]', description: 'Batches committed (resume journal of the load group)' },
    loadGroup: {
      type: 'string',
      description: 'Snapshots loaded together share it; the journal sits on the first of them',
    },
    startedAt: { type: 'datetime', description: 'Start' },
    finishedAt: { type: 'datetime', description: 'End' },
    error: { type: 'string', description: 'Failure reason' },
    nodeCount: { type: 'int', description: 'Node rows' },
    edgeCount: { type: 'int', description: 'Edge rows' },
    gapCount: { type: 'int', description: 'Gaps reported by the collector' },
    findingsNew: { type: 'int', description: 'New findings' },
    findingsResolved: { type: 'int', description: 'Resolved findings' },
    kind: { type: 'string', description: 'load (one snapshot) or analysis (a permgraph scan / analyze run)' },
    inputs: { type: 'string[]', description: 'Input files of an analysis scan' },
    previousScan: { type: 'string', description: 'Analysis scan this one was diffed against' },
    fingerprints: { type: 'string[]', description: 'Fingerprints of the findings the analysis reported' },
    fingerprintScopes: { type: 'string[]', description: 'Scope of each of `fingerprints` (same order)' },
    previousScans: { type: 'string[]', description: 'Analysis scans the covered scopes were diffed against' },
    newFingerprints: { type: 'string[]', description: 'Fingerprints the analysis reported as new' },
    resolvedFingerprints: { type: 'string[]', description: 'Fingerprints the analysis reported as resolved' },
    findingsTotal: { type: 'int', description: 'Findings reported by the analysis' },
    findingsUnchanged: { type: 'int', description: 'Findings reported by this and the previous scan' },
    newHighRisk: { type: 'int', description: 'New findings at high or critical severity' },
    lookbackDays: { type: 'int', description: 'Usage lookback window of the analysis' },
    queries: { type: 'string[]', description: 'Saved queries the analysis ran' },
    queryErrors: { type: 'json', description: 'Saved queries that failed [{id, message}]' },
    analyzeMs: { type: 'int', description: 'Analysis duration' },
    diffMs: { type: 'int', description: 'Diff duration' },
  },
  PGScope: {
    id: { type: 'string', description: 'Scope key, e.g. aws:123456789012' },
    provider: { type: 'string', description: 'Provider' },
    lastCompleteScan: { type: 'string', description: 'Last scan that loaded the scope completely' },
    lastCompleteAt: { type: 'datetime', description: 'When' },
    stale: { type: 'bool', description: 'The last scan of this scope failed or was partial; data is older' },
    staleReason: { type: 'string', description: 'Why' },
  },
  PGFinding: {
    fingerprint: { type: 'string', description: 'Stable identity of the risk across scans' },
    queryId: { type: 'string', description: 'Saved query that found it' },
    severity: { type: 'string', description: 'critical, high, medium, low, info' },
    title: { type: 'string', description: 'Title' },
    subjectId: { type: 'string', description: 'Node the finding is about' },
    subjectName: { type: 'string', description: 'Its name' },
    provider: { type: 'string', description: 'Provider of the subject' },
    account: { type: 'string', description: 'Account / subscription / project of the subject' },
    scope: {
      type: 'string',
      description:
        "Scope the finding belongs to: the subject's, or the target's when the subject is outside (a stub)",
    },
    evidence: { type: 'json', description: 'Path or rows' },
    firstSeenScan: { type: 'string', description: 'Scan that first reported it' },
    lastSeenScan: { type: 'string', description: 'Scan that last reported it' },
    status: { type: 'string', description: 'new (first reported by the latest scan), open or resolved' },
    resolvedScan: { type: 'string', description: 'Scan that no longer reported it' },
    firstSeen: { type: 'datetime', description: 'First reported' },
    lastSeen: { type: 'datetime', description: 'Last reported' },
    category: { type: 'string', description: 'Category of the saved query' },
    severityRank: { type: 'int', description: 'critical 4, high 3, medium 2, low 1, info 0 (sorting)' },
    targetId: {
      type: 'string',
      description: 'Second node of the risk (path end, trusted principal), if any',
    },
    path: { type: 'string[]', description: 'Node ids of the path, for path findings' },
    pathText: {
      type: 'string',
      description:
        'The path ids as one string, "|id|id|", so a text index finds the findings whose path crosses a node',
    },
  },
  PGToken: {
    id: { type: 'string', description: 'Token id (public part)' },
    hash: { type: 'string', description: 'SHA-256 of the secret' },
    role: { type: 'string', description: 'reader, analyst or admin' },
    name: { type: 'string', description: 'Label' },
    createdAt: { type: 'datetime', description: 'Created' },
    lastUsedAt: { type: 'datetime', description: 'Last used' },
    revoked: { type: 'bool', description: 'Revoked' },
  },
  PGDerive: {
    provider: { type: 'string', description: 'Provider' },
    run: { type: 'string', description: 'Derive run id' },
    inputVersion: { type: 'string', description: 'Scans the derive pass read' },
    finishedAt: { type: 'datetime', description: 'When' },
    edgeCount: { type: 'int', description: 'Derived edges written' },
  },
};

// ------------------------------------------------------------------ edge sets

const typesWhere = (pred: (d: EdgeDef) => boolean): readonly EdgeType[] =>
  EDGE_TYPES.filter((t) => pred(EdgeTypes[t]));

/** Named edge sets, usable in saved Cypher as {{NAME}} tokens. */
export const EdgeSets = {
  /** The pathfinding alphabet: control of the start gives control of the end. */
  TRAVERSABLE: typesWhere((d) => d.traversable),
  ESCALATION: typesWhere((d) => d.category === 'escalation'),
  STRUCTURAL: typesWhere((d) => d.category === 'structural'),
  EFFECTIVE: typesWhere((d) => d.category === 'effective'),
  DERIVED: typesWhere((d) => d.derived),
  MEMBERSHIP: ['AWS_MEMBER_OF', 'AZMemberOf', 'GCP_MEMBER_OF'] as readonly EdgeType[],
  /**
   * Acting as another identity without changing any policy: groups, assumed roles, federation,
   * impersonation, and running code as a role or service account handed to a new resource.
   */
  IDENTITY_CHAIN: [
    'AWS_MEMBER_OF',
    'AZMemberOf',
    'GCP_MEMBER_OF',
    'AWS_ASSUME_ROLE',
    'FEDERATES_TO',
    'AZAuthenticatesTo',
    'GCP_GET_ACCESS_TOKEN',
    'GCP_IMPLICIT_DELEGATION',
    'GCP_SIGN_JWT',
    'GCP_SIGN_BLOB',
    'AWS_PASSROLE_VIA',
    'GCP_ACT_AS_VIA',
  ] as readonly EdgeType[],
  AWS_TRAVERSABLE: typesWhere((d) => d.traversable && (d.provider === 'aws' || d.provider === 'shared')),
  AZURE_TRAVERSABLE: typesWhere((d) => d.traversable && (d.provider === 'azure' || d.provider === 'shared')),
  GCP_TRAVERSABLE: typesWhere((d) => d.traversable && (d.provider === 'gcp' || d.provider === 'shared')),
} as const;
export type EdgeSetName = keyof typeof EdgeSets;

export function isEdgeSetName(value: unknown): value is EdgeSetName {
  return typeof value === 'string' && Object.hasOwn(EdgeSets, value);
}

/** Cypher relationship-type alternation for a set, e.g. `AWS_MEMBER_OF|AWS_ASSUME_ROLE`. */
export function edgeSetPattern(name: EdgeSetName): string {
  return EdgeSets[name].join('|');
}

// ------------------------------------------------------------------ tier zero

/** Tier-zero rules, as data; derive applies them and the explorer explains them. */
export const TierZeroRules = {
  aws: [
    { id: 'aws-admin-star', description: 'Effective "*" on "*" (e.g. AdministratorAccess)' },
    { id: 'aws-iam-star', description: 'Effective "iam:*" on "*" (one hop short of admin)' },
    { id: 'aws-account-root', description: 'An account root (AWSAccount as principal)' },
    { id: 'aws-admin-node', description: 'The synthetic AWSAdmin node of an account' },
    { id: 'aws-org-management', description: 'The organization management account' },
    { id: 'aws-org-trusted-role', description: 'A member-account role that trusts the management account' },
  ],
  azure: [
    {
      id: 'az-entra-role',
      description:
        'Global Administrator, Privileged Role / Authentication Administrator, Partner Tier2 Support',
    },
    {
      id: 'az-graph-app-role',
      description: 'Graph app roles RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, ...',
    },
    {
      id: 'az-root-rbac',
      description: 'Owner, User Access Administrator or role-assignment writer at the root management group',
    },
  ],
  gcp: [
    { id: 'gcp-org-iam', description: 'resourcemanager.organizations.setIamPolicy at the organization' },
    { id: 'gcp-org-owner', description: 'roles/owner on the organization' },
  ],
} as const satisfies Record<Provider, readonly { id: string; description: string }[]>;

/** Entra role template ids that are tier zero. */
export const AZURE_TIER_ZERO_ROLE_TEMPLATES = [
  '62e90394-69f5-4237-9190-012177145e10',
  'e8611ab8-c189-46e8-94e1-60213ab1f814',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8',
] as const;

// ------------------------------------------------------------------ helpers

export function kindDef(kind: NodeKind): KindDef {
  return NodeKinds[kind];
}

/** All labels a node of this kind carries, in a fixed order: Entity, the kind, ontology labels. */
export function labelsFor(kind: NodeKind): readonly string[] {
  return [Ontology.Entity, kind, ...NodeKinds[kind].ontology];
}

/** Every property a node of this kind may have (common + kind-specific). */
export function nodeProps(kind: NodeKind): Readonly<Record<string, PropDef>> {
  return { ...CommonNodeProps, ...NodeKinds[kind].props };
}

export function edgeProps(type: EdgeType): Readonly<Record<string, PropDef>> {
  return { ...CommonEdgeProps, ...EdgeTypes[type].props };
}

/** Every label the schema knows (kinds, ontology, meta). */
export const ALL_LABELS: ReadonlySet<string> = new Set<string>([
  ...NODE_KINDS,
  ...Object.values(Ontology),
  ...Object.values(MetaLabel),
]);

/** Every property name a node may carry (any kind, meta included). */
export const ALL_NODE_PROPS: ReadonlySet<string> = new Set<string>([
  ...Object.keys(CommonNodeProps),
  ...NODE_KINDS.flatMap((k) => Object.keys(NodeKinds[k].props)),
  ...Object.values(MetaProps).flatMap((m) => Object.keys(m)),
]);

export const ALL_EDGE_PROPS: ReadonlySet<string> = new Set<string>([
  ...Object.keys(CommonEdgeProps),
  ...EDGE_TYPES.flatMap((t) => Object.keys(EdgeTypes[t].props)),
]);

export function kindsOfProvider(provider: Provider): readonly NodeKind[] {
  return NODE_KINDS.filter((k) => NodeKinds[k].provider === provider);
}

/** Constraints and node indexes, created before every load (idempotent statements). */
export function schemaStatements(): string[] {
  return [
    `CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:${Ontology.Entity}) REQUIRE n.id IS UNIQUE`,
    `CREATE CONSTRAINT pgscan_id IF NOT EXISTS FOR (n:${MetaLabel.Scan}) REQUIRE n.id IS UNIQUE`,
    `CREATE CONSTRAINT pgscope_id IF NOT EXISTS FOR (n:${MetaLabel.ScopeState}) REQUIRE n.id IS UNIQUE`,
    `CREATE CONSTRAINT pgfinding_fp IF NOT EXISTS FOR (n:${MetaLabel.Finding}) REQUIRE n.fingerprint IS UNIQUE`,
    `CREATE CONSTRAINT pgtoken_id IF NOT EXISTS FOR (n:${MetaLabel.Token}) REQUIRE n.id IS UNIQUE`,
    `CREATE CONSTRAINT pgderive_provider IF NOT EXISTS FOR (n:${MetaLabel.DeriveState}) REQUIRE n.provider IS UNIQUE`,
    // Range indexes also serve STARTS WITH (search by name or id prefix).
    `CREATE INDEX entity_scope IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.scope)`,
    `CREATE INDEX entity_name IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.name)`,
    `CREATE INDEX entity_tierzero IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.tierZero)`,
    `CREATE INDEX entity_account IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.account)`,
    `CREATE INDEX entity_stub IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.stub)`,
    `CREATE INDEX pgfinding_status IF NOT EXISTS FOR (n:${MetaLabel.Finding}) ON (n.status)`,
    `CREATE INDEX pgfinding_query IF NOT EXISTS FOR (n:${MetaLabel.Finding}) ON (n.queryId)`,
    `CREATE INDEX pgfinding_subject IF NOT EXISTS FOR (n:${MetaLabel.Finding}) ON (n.subjectId)`,
    `CREATE INDEX pgfinding_target IF NOT EXISTS FOR (n:${MetaLabel.Finding}) ON (n.targetId)`,
    `CREATE TEXT INDEX pgfinding_pathtext IF NOT EXISTS FOR (n:${MetaLabel.Finding}) ON (n.pathText)`,
    `CREATE INDEX pgscan_kind IF NOT EXISTS FOR (n:${MetaLabel.Scan}) ON (n.kind)`,
    `CREATE INDEX entity_pci IF NOT EXISTS FOR (n:${Ontology.Entity}) ON (n.pci)`,
  ];
}

/** Relationship property indexes for one type (created when the type is first loaded). */
export function edgeIndexStatements(type: EdgeType): string[] {
  const name = type.toLowerCase();
  const stmts = [`CREATE INDEX rel_${name}_scope IF NOT EXISTS FOR ()-[r:${type}]-() ON (r.scope)`];
  if (EdgeTypes[type].derived)
    stmts.push(`CREATE INDEX rel_${name}_run IF NOT EXISTS FOR ()-[r:${type}]-() ON (r.deriveRun)`);
  return stmts;
}
