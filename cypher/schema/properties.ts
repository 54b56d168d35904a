/**
 * Property declarations. Every property a node or relationship may carry is named here, with
 * its type, so the loader, the snapshot validator, the query drift test and the API agree.
 */

export const PropType = {
  string: 'string',
  int: 'int',
  float: 'float',
  bool: 'bool',
  datetime: 'datetime',
  stringList: 'string[]',
  intList: 'int[]',
  /** Arbitrary JSON, stored in Neo4j as a JSON string (policy documents, tags, conditions). */
  json: 'json',
} as const;
export type PropType = (typeof PropType)[keyof typeof PropType];

export interface PropDef {
  readonly type: PropType;
  readonly description: string;
  /** Written by the loader, never read from a snapshot. */
  readonly system?: boolean;
}

export type PropMap = Readonly<Record<string, PropDef>>;

const p = (type: PropType, description: string, system = false): PropDef =>
  system ? { type, description, system } : { type, description };

/** Properties every graph entity has. `id` is globally unique across providers. */
export const CommonNodeProps = {
  id: p('string', 'Globally unique id: ARN, tenant-qualified Entra object id, GCP member or resource name'),
  kind: p('string', 'Provider kind label, e.g. AWSRole', true),
  provider: p('string', 'aws, azure or gcp', true),
  name: p('string', 'Display name'),
  scope: p(
    'string',
    'Load scope that owns this node (e.g. aws:123456789012); stale data is removed per scope',
    true,
  ),
  account: p(
    'string',
    'AWS account id, Azure subscription (or tenant for directory objects), GCP project id',
  ),
  tenant: p('string', 'AWS organization id, Entra tenant id or GCP organization id'),
  tierZero: p('bool', 'Admin-equivalent (tier zero); set by derive', true),
  tierZeroReason: p('string', 'Why the node is tier zero', true),
  stub: p('bool', 'Referenced by another scope but not (yet) collected itself', true),
  firstSeen: p('datetime', 'When a scan first saw this node', true),
  lastSeen: p('datetime', 'When a scan last saw this node', true),
  lastSeenScan: p('string', 'Id of the scan that last saw this node', true),
  pci: p('int', 'Permission Creep Index 0-100 (analyze)', true),
  pciLevel: p('string', 'low, medium or high (analyze)', true),
} as const satisfies PropMap;

/** Properties every relationship has. */
export const CommonEdgeProps = {
  key: p(
    'string',
    'Discriminator so several edges of one type can join the same pair (e.g. technique id)',
    true,
  ),
  scope: p('string', 'Load scope that owns this edge', true),
  derived: p('bool', 'Produced by derive (effective access or escalation), not collected', true),
  deriveRun: p('string', 'Derive pass that produced the edge', true),
  firstSeen: p('datetime', 'When a scan first saw this edge', true),
  lastSeen: p('datetime', 'When a scan last saw this edge', true),
  lastSeenScan: p('string', 'Id of the scan that last saw this edge', true),
} as const satisfies PropMap;

/** Usage data attached to identities, credentials and grants. "No usage data" is usageKnown=false. */
export const UsageProps = {
  lastUsed: p(
    'datetime',
    'Last time the cloud reports this was used; null with usageKnown=true means never used',
  ),
  usageKnown: p('bool', 'Whether the cloud reported usage for this item at all'),
  usageTrackedSince: p('datetime', 'Start of the usage reporting window, if the cloud gives one'),
  serviceUsage: p(
    'json',
    'Last use per service namespace {service: ISO time or null}, from usage records',
    true,
  ),
  actionUsage: p('json', 'Last use per action {action: ISO time or null}, from usage records', true),
} as const satisfies PropMap;

/** Why a derived edge exists. */
export const ExplainEdgeProps = {
  technique: p('string', 'Technique id from the escalation catalog (e.g. iam-005, sts-001, AZ-20, GCP-06)'),
  via: p('string', 'Intermediate object used by the technique (policy, group, role or resource id)'),
  svc: p('string', 'AWS service the role is passed to or hijacked through'),
  conditional: p('bool', 'A condition could not be decided; the edge holds only if it does'),
  conditions: p('json', 'The undecided conditions, as written in the policy'),
  grantedBy: p('json', 'Statements that grant the edge: [{policy, statement, action}]'),
  reason: p('string', 'One-line explanation of the hop'),
  requiresMfaBypass: p('bool', 'The takeover also needs the target MFA to be bypassed'),
} as const satisfies PropMap;

export const EffectiveAccessProps = {
  service: p('string', 'Service namespace (AWS s3, Azure Microsoft.Compute, GCP compute)'),
  actions: p('string[]', 'Granted actions (full names), capped; see actionCount'),
  actionCount: p('int', 'Number of distinct actions granted'),
  highRiskActions: p(
    'string[]',
    'Granted actions that can modify or delete (Write, Permissions management), capped',
  ),
  highRiskCount: p('int', 'Number of high-risk actions granted'),
  usedActions: p('string[]', 'Actions with reported use (action-level last-accessed data)'),
  resources: p('string[]', 'Resource patterns the grant applies to'),
  allResources: p('bool', 'The grant applies to every resource of the scope'),
  resourceCount: p('int', 'Number of collected resources the grant reaches'),
  accessLevels: p('string[]', 'Access levels granted: List, Read, Write, Permissions management, Tagging'),
} as const satisfies PropMap;
