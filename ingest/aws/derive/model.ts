/**
 * The AWS estate as derive sees it: principals with their policies (direct, via groups),
 * boundaries, the SCP/RCP chain of their account, trust policies, resources and the roles
 * they run as. Built from a snapshot (the collected data read back from the graph).
 */
import type { Snapshot, SnapshotNode } from '../../snapshot/types.js';
import type { NamedPolicy, PolicyDocument } from '../policy/index.js';

export interface Principal {
  node: SnapshotNode;
  id: string;
  type: 'user' | 'role';
  account: string;
  policies: NamedPolicy[];
  /** Customer-managed policies attached to it directly or through a group. */
  managedPolicies: { id: string; via: string | null }[];
  groups: string[];
  boundary: NamedPolicy | null;
  trust: PolicyDocument | null;
  tags: Record<string, string>;
}

export interface OrgChain {
  scps: NamedPolicy[][];
  rcps: NamedPolicy[][];
  management: boolean;
  orgId: string | null;
}

export interface AwsModel {
  nodes: Map<string, SnapshotNode>;
  principals: Map<string, Principal>;
  groups: Map<string, { node: SnapshotNode; policies: NamedPolicy[]; members: string[] }>;
  policies: Map<string, NamedPolicy & { node: SnapshotNode }>;
  /** Collected accounts (have IAM data). */
  accounts: Set<string>;
  org: Map<string, OrgChain>;
  /** Resource id → roles it runs as (EC2 through its instance profile). */
  runsAs: Map<string, string[]>;
  /** Roles that sit in an instance profile. */
  inProfile: Set<string>;
  /** Usage per principal. */
  serviceUsage: Map<string, Record<string, string | null>>;
  actionUsage: Map<string, Record<string, string | null>>;
}

const asDoc = (v: unknown): PolicyDocument | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as PolicyDocument) : null;

export const accountRootId = (acct: string) => `arn:aws:iam::${acct}:root`;
export const adminNodeId = (acct: string) => `aws-admin:${acct}`;

export function accountOfArn(arn: string): string | null {
  const m = /^arn:aws[\w-]*:[^:]*:[^:]*:(\d{12}):/.exec(arn);
  return m ? (m[1] as string) : null;
}

export function buildModel(snap: Snapshot): AwsModel {
  const nodes = new Map<string, SnapshotNode>();
  for (const n of snap.nodes) nodes.set(n.id, n);
  const policies: AwsModel['policies'] = new Map();
  for (const n of snap.nodes) {
    if ((n.kind === 'AWSPolicy' || n.kind === 'AWSInlinePolicy') && !n.stub) {
      policies.set(n.id, { id: n.id, document: asDoc(n.props?.document), node: n });
    }
  }
  const attached = new Map<string, string[]>();
  const members = new Map<string, string[]>();
  const boundaries = new Map<string, string>();
  const orgPolicies = new Map<string, { id: string; type: string }[]>();
  const parent = new Map<string, string>();
  const runsAs = new Map<string, string[]>();
  const profileRole = new Map<string, string[]>();
  const instanceProfile = new Map<string, string[]>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  for (const e of snap.edges) {
    switch (e.type) {
      case 'AWS_HAS_POLICY':
        push(attached, e.source, e.target);
        break;
      case 'AWS_MEMBER_OF':
        push(members, e.source, e.target);
        break;
      case 'AWS_HAS_BOUNDARY':
        boundaries.set(e.source, e.target);
        break;
      case 'AWS_HAS_ORG_POLICY':
        push(orgPolicies, e.source, { id: e.target, type: String(e.props?.policyType ?? 'scp') });
        break;
      case 'AWS_CONTAINS': {
        const src = nodes.get(e.source);
        const dst = nodes.get(e.target);
        if (
          src &&
          dst &&
          (src.kind === 'AWSOrganization' || src.kind === 'AWSOrganizationalUnit') &&
          (dst.kind === 'AWSOrganizationalUnit' || dst.kind === 'AWSAccount')
        )
          parent.set(e.target, e.source);
        break;
      }
      case 'AWS_RUNS_AS':
        push(runsAs, e.source, e.target);
        break;
      case 'AWS_PROFILE_HAS_ROLE':
        push(profileRole, e.source, e.target);
        break;
      case 'AWS_HAS_INSTANCE_PROFILE':
        push(instanceProfile, e.source, e.target);
        break;
      default:
    }
  }
  for (const [inst, profiles] of instanceProfile) {
    for (const p of profiles) for (const r of profileRole.get(p) ?? []) push(runsAs, inst, r);
  }
  const inProfile = new Set([...profileRole.values()].flat());

  const named = (id: string): NamedPolicy | null => {
    const p = policies.get(id);
    return p ? { id: p.id, document: p.document } : null;
  };
  const groups: AwsModel['groups'] = new Map();
  for (const n of snap.nodes) {
    if (n.kind !== 'AWSGroup' || n.stub) continue;
    groups.set(n.id, {
      node: n,
      policies: (attached.get(n.id) ?? []).map(named).filter((x): x is NamedPolicy => x !== null),
      members: [],
    });
  }
  const accounts = new Set<string>();
  const principals = new Map<string, Principal>();
  for (const n of snap.nodes) {
    if ((n.kind !== 'AWSUser' && n.kind !== 'AWSRole') || n.stub || !n.account) continue;
    accounts.add(n.account);
    const own = attached.get(n.id) ?? [];
    const grp = n.kind === 'AWSUser' ? (members.get(n.id) ?? []).filter((g) => groups.has(g)) : [];
    for (const g of grp) groups.get(g)?.members.push(n.id);
    const pol: NamedPolicy[] = [];
    const managed: Principal['managedPolicies'] = [];
    for (const id of own) {
      const p = named(id);
      if (p) pol.push(p);
      if (policies.get(id)?.node.kind === 'AWSPolicy') managed.push({ id, via: null });
    }
    for (const g of grp) {
      for (const id of attached.get(g) ?? []) {
        const p = named(id);
        if (p) pol.push(p);
        if (policies.get(id)?.node.kind === 'AWSPolicy') managed.push({ id, via: g });
      }
    }
    const bId = boundaries.get(n.id) ?? (n.props?.permissionsBoundary as string | undefined);
    const tags: Record<string, string> = {};
    const rawTags = n.props?.tags;
    if (rawTags && typeof rawTags === 'object' && !Array.isArray(rawTags))
      for (const [k, v] of Object.entries(rawTags)) tags[k] = String(v);
    principals.set(n.id, {
      node: n,
      id: n.id,
      type: n.kind === 'AWSUser' ? 'user' : 'role',
      account: n.account,
      policies: pol,
      managedPolicies: managed,
      groups: grp,
      // A boundary that is named but not collected caps to nothing we can read: keep it empty.
      boundary: bId ? (named(bId) ?? { id: bId, document: null }) : null,
      trust: n.kind === 'AWSRole' ? asDoc(n.props?.trustPolicy) : null,
      tags,
    });
  }
  for (const n of snap.nodes)
    if (n.kind === 'AWSAccount' && n.props?.collected && n.account) accounts.add(n.account);

  // Organization chains: root → OUs → account, SCPs and RCPs per level.
  const org = new Map<string, OrgChain>();
  const mgmt = new Set<string>();
  for (const n of snap.nodes) {
    if (n.kind === 'AWSOrganization' && n.props?.managementAccountId)
      mgmt.add(String(n.props.managementAccountId));
    if (n.kind === 'AWSAccount' && n.props?.isManagement && n.account) mgmt.add(n.account);
  }
  for (const n of snap.nodes) {
    if (n.kind !== 'AWSAccount' || !n.account) continue;
    const chain: string[] = [];
    let cur: string | undefined = n.id;
    const seen = new Set<string>();
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      const node = nodes.get(cur);
      if (node?.kind !== 'AWSOrganization') chain.unshift(cur);
      cur = parent.get(cur);
    }
    if (chain.length <= 1 && !parent.has(n.id)) continue;
    const level = (id: string, type: string) =>
      (orgPolicies.get(id) ?? [])
        .filter((p) => p.type === type)
        .map((p) => named(p.id) ?? { id: p.id, document: null });
    org.set(n.account, {
      scps: chain.map((id) => level(id, 'scp')).filter((l) => l.length > 0),
      rcps: chain.map((id) => level(id, 'rcp')).filter((l) => l.length > 0),
      management: mgmt.has(n.account),
      orgId: n.tenant ?? null,
    });
  }
  for (const m of mgmt) if (!org.has(m)) org.set(m, { scps: [], rcps: [], management: true, orgId: null });

  const serviceUsage = new Map<string, Record<string, string | null>>();
  const actionUsage = new Map<string, Record<string, string | null>>();
  for (const u of snap.usage) {
    if (u.service) {
      const m = serviceUsage.get(u.subject) ?? {};
      m[u.service] = u.lastUsed ?? null;
      serviceUsage.set(u.subject, m);
    }
    if (u.action) {
      const m = actionUsage.get(u.subject) ?? {};
      m[u.action] = u.lastUsed ?? null;
      actionUsage.set(u.subject, m);
    }
  }
  return { nodes, principals, groups, policies, accounts, org, runsAs, inProfile, serviceUsage, actionUsage };
}
