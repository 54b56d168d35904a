/**
 * organization.json (DescribeOrganization, ListRoots, OUs and accounts with ParentId, SCPs and
 * RCPs with content and targets) -> the organization scope's snapshot records.
 */
import { AppError } from '../../../cypher/errors.js';
import { NodeKind } from '../../../cypher/schema/index.js';
import type { PropValue } from '../../snapshot/types.js';
import { accountRootArn, accountScope, GLOBAL_SCOPE } from './arn.js';
import { str } from './auth-details.js';
import type { SnapshotBuilder } from './builder.js';
import { readPolicyDocument } from './policy-document.js';

type Obj = Record<string, unknown>;

export interface OrgInfo {
  orgId: string;
  managementAccountId: string | null;
  accounts: Map<string, { name: string | null; email: string | null; status: string | null }>;
}

const list = (doc: Obj, key: string, file: string): Obj[] => {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.${key} must be an array`);
  return v as Obj[];
};

export function readOrgInfo(doc: unknown, file: string): OrgInfo {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: expected a JSON object`);
  const o = (doc as Obj).Organization as Obj | undefined;
  const orgId = str(o?.Id);
  if (!orgId) throw new AppError('NORMALIZE_MISSING_ID', `${file}: $.Organization.Id is missing`);
  const accounts = new Map<string, { name: string | null; email: string | null; status: string | null }>();
  for (const a of list(doc as Obj, 'Accounts', file)) {
    const id = str(a.Id);
    if (id)
      accounts.set(id, { name: str(a.Name), email: str(a.Email), status: str(a.Status) ?? str(a.State) });
  }
  return { orgId, managementAccountId: str(o?.MasterAccountId), accounts };
}

/** Emits the organization scope. Returns the number of quarantined policies. */
export async function emitOrganization(b: SnapshotBuilder, doc: Obj, file: string): Promise<number> {
  const info = readOrgInfo(doc, file);
  const o = doc.Organization as Obj;
  const scope = `aws:${info.orgId}`;
  const mgmt = info.managementAccountId ?? '';
  const tenant = info.orgId;
  const orgNode = str(o.Arn) ?? `arn:aws:organizations::${mgmt}:organization/${info.orgId}`;
  await b.node({
    id: orgNode,
    kind: NodeKind.AWSOrganization,
    name: info.orgId,
    scope,
    account: info.managementAccountId,
    tenant,
    props: { orgId: info.orgId, arn: orgNode, managementAccountId: info.managementAccountId },
  });
  const byTarget = new Map<string, string>();
  const roots = list(doc, 'Roots', file);
  const ous = list(doc, 'OrganizationalUnits', file);
  const accounts = list(doc, 'Accounts', file);
  for (const [i, r] of roots.entries()) {
    const id = str(r.Id);
    if (!id) throw new AppError('NORMALIZE_MISSING_ID', `${file}: $.Roots[${i}].Id is missing`);
    byTarget.set(id, str(r.Arn) ?? `arn:aws:organizations::${mgmt}:root/${info.orgId}/${id}`);
  }
  for (const [i, u] of ous.entries()) {
    const id = str(u.Id);
    if (!id) throw new AppError('NORMALIZE_MISSING_ID', `${file}: $.OrganizationalUnits[${i}].Id is missing`);
    byTarget.set(id, str(u.Arn) ?? `arn:aws:organizations::${mgmt}:ou/${info.orgId}/${id}`);
  }
  for (const a of accounts) {
    const id = str(a.Id);
    if (id) byTarget.set(id, accountRootArn(id));
  }
  for (const r of roots) {
    const id = byTarget.get(str(r.Id)!)!;
    await b.node({
      id,
      kind: NodeKind.AWSOrganizationalUnit,
      name: str(r.Name) ?? 'Root',
      scope,
      account: info.managementAccountId,
      tenant,
      props: { ouId: str(r.Id), arn: id, isRoot: true },
    });
    await b.edge({ type: 'AWS_CONTAINS', source: orgNode, target: id });
  }
  const parentOf = async (child: string, parentId: string | null, path: string) => {
    const parent = parentId ? byTarget.get(parentId) : undefined;
    if (!parent)
      throw new AppError(
        'INPUT_UNRECOGNIZED',
        `${file}: ${path}.ParentId ${JSON.stringify(parentId)} is not a root or OU of the file`,
      );
    await b.edge({ type: 'AWS_CONTAINS', source: parent, target: child });
  };
  for (const [i, u] of ous.entries()) {
    const id = byTarget.get(str(u.Id)!)!;
    await b.node({
      id,
      kind: NodeKind.AWSOrganizationalUnit,
      name: str(u.Name),
      scope,
      account: info.managementAccountId,
      tenant,
      props: { ouId: str(u.Id), arn: id, isRoot: false },
    });
    await parentOf(id, str(u.ParentId), `$.OrganizationalUnits[${i}]`);
  }
  for (const [i, a] of accounts.entries()) {
    const acct = str(a.Id);
    if (!acct) throw new AppError('NORMALIZE_MISSING_ID', `${file}: $.Accounts[${i}].Id is missing`);
    const id = accountRootArn(acct);
    b.stub({
      id,
      kind: NodeKind.AWSAccount,
      scope: accountScope(acct),
      name: str(a.Name) ?? acct,
      account: acct,
    });
    await parentOf(id, str(a.ParentId), `$.Accounts[${i}]`);
  }
  let quarantined = 0;
  for (const [i, p] of list(doc, 'Policies', file).entries()) {
    const path = `$.Policies[${i}]`;
    const sum = (p.PolicySummary ?? {}) as Obj;
    const arn = str(sum.Arn);
    if (!arn) throw new AppError('NORMALIZE_MISSING_ID', `${file}: ${path}.PolicySummary.Arn is missing`);
    const type = str(sum.Type);
    const policyType =
      type === 'RESOURCE_CONTROL_POLICY' ? 'rcp' : type === 'SERVICE_CONTROL_POLICY' ? 'scp' : null;
    if (!policyType) continue;
    const awsManaged = sum.AwsManaged === true;
    const pScope = awsManaged ? GLOBAL_SCOPE : scope;
    const d = readPolicyDocument(p.Content, `${path}.Content`);
    if (d.ok) {
      await b.node({
        id: arn,
        kind: NodeKind.AWSPolicy,
        name: str(sum.Name),
        scope: pScope,
        account: awsManaged ? null : info.managementAccountId,
        tenant: awsManaged ? null : tenant,
        props: {
          arn,
          policyId: str(sum.Id),
          policyType,
          awsManaged,
          document: d.doc as PropValue,
          description: str(sum.Description),
        },
      });
    } else {
      quarantined += 1;
      b.gap({
        scope,
        api: 'organizations:DescribePolicy',
        reason: 'Quarantined',
        message: `${file}: ${d.path}: ${d.message}; the document was not loaded`,
        resource: arn,
      });
      b.stub({ id: arn, kind: NodeKind.AWSPolicy, scope: pScope, name: str(sum.Name) });
    }
    for (const [j, t] of (Array.isArray(p.Targets) ? (p.Targets as Obj[]) : []).entries()) {
      const tid = str(t.TargetId);
      const target = tid ? byTarget.get(tid) : undefined;
      if (!target)
        throw new AppError(
          'INPUT_UNRECOGNIZED',
          `${file}: ${path}.Targets[${j}].TargetId ${JSON.stringify(tid)} is not a root, OU or account of the file`,
        );
      await b.edge({ type: 'AWS_HAS_ORG_POLICY', source: target, target: arn, props: { policyType } });
    }
  }
  return quarantined;
}
