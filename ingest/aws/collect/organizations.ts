/** The organization: roots, OUs, accounts (with ParentId), SCPs and RCPs with content and targets. */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { type AccountRun, attempt, clientConfig, raw } from './context.js';

type Obj = Record<string, unknown>;

async function pages<T>(
  fetch: (token?: string) => Promise<({ NextToken?: string } & T) | undefined>,
): Promise<T[] | undefined> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await fetch(token);
    if (!p) return undefined;
    out.push(p);
    token = p.NextToken;
  } while (token);
  return out;
}

export interface OrganizationData {
  doc: Obj;
  orgId: string;
  managementAccountId: string | null;
  accounts: { id: string; status: string | null }[];
  complete: boolean;
}

export async function collectOrganization(run: AccountRun): Promise<OrganizationData | undefined> {
  const org = new OrganizationsClient(clientConfig(run.access, 'us-east-1'));
  const d = await attempt(run, 'organizations:DescribeOrganization', () =>
    org.send(new DescribeOrganizationCommand({})),
  );
  if (!d?.Organization?.Id) return undefined;
  const orgId = d.Organization.Id;
  // Gaps of the organization scope.
  const orgRun: AccountRun = { ...run, account: orgId };
  let complete = true;
  const rootsPages = await pages((t) =>
    attempt(orgRun, 'organizations:ListRoots', () => org.send(new ListRootsCommand({ NextToken: t }))),
  );
  if (!rootsPages) {
    complete = false;
  }
  const roots = (rootsPages ?? []).flatMap((p) => p.Roots ?? []);
  const ous: Obj[] = [];
  const accounts: Obj[] = [];
  const walk = async (parent: string): Promise<void> => {
    const ouPages = await pages((t) =>
      attempt(orgRun, 'organizations:ListOrganizationalUnitsForParent', () =>
        org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: t })),
      ),
    );
    const acctPages = await pages((t) =>
      attempt(orgRun, 'organizations:ListAccountsForParent', () =>
        org.send(new ListAccountsForParentCommand({ ParentId: parent, NextToken: t })),
      ),
    );
    if (!ouPages || !acctPages) complete = false;
    for (const a of (acctPages ?? []).flatMap((p) => p.Accounts ?? []))
      accounts.push({ ...a, ParentId: parent });
    for (const ou of (ouPages ?? []).flatMap((p) => p.OrganizationalUnits ?? [])) {
      ous.push({ ...ou, ParentId: parent });
      if (ou.Id) await walk(ou.Id);
    }
  };
  for (const r of roots) if (r.Id) await walk(r.Id);
  const policies: Obj[] = [];
  for (const type of ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'] as PolicyType[]) {
    const enabled = roots.some((r) =>
      (r.PolicyTypes ?? []).some((p) => p.Type === type && p.Status === 'ENABLED'),
    );
    if (!enabled) continue;
    const listed = await pages((t) =>
      attempt(orgRun, 'organizations:ListPolicies', () =>
        org.send(new ListPoliciesCommand({ Filter: type, NextToken: t })),
      ),
    );
    if (!listed) {
      complete = false;
      continue;
    }
    for (const summary of listed.flatMap((p) => p.Policies ?? [])) {
      const desc = await attempt(
        orgRun,
        'organizations:DescribePolicy',
        () => org.send(new DescribePolicyCommand({ PolicyId: summary.Id })),
        summary.Arn,
      );
      const targets = await pages((t) =>
        attempt(
          orgRun,
          'organizations:ListTargetsForPolicy',
          () => org.send(new ListTargetsForPolicyCommand({ PolicyId: summary.Id, NextToken: t })),
          summary.Arn,
        ),
      );
      if (!desc || !targets) complete = false;
      policies.push({
        PolicySummary: desc?.Policy?.PolicySummary ?? summary,
        Content: desc?.Policy?.Content ?? null,
        Targets: (targets ?? []).flatMap((p) => p.Targets ?? []),
      });
    }
  }
  return {
    doc: {
      Organization: raw(d).Organization,
      Roots: roots,
      OrganizationalUnits: ous,
      Accounts: accounts,
      Policies: policies,
    },
    orgId,
    managementAccountId: d.Organization.MasterAccountId ?? null,
    accounts: accounts.map((a) => ({
      id: String(a.Id),
      status: (a.Status as string | undefined) ?? (a.State as string | undefined) ?? null,
    })),
    complete,
  };
}
