/**
 * Deterministic AWS estate generator. Writes what `permgraph collect aws --out DIR` writes
 * (docs/aws-collection-layout.md): the manifest, organization.json and per account
 * GetAccountAuthorizationDetails (policies URL-encoded as the API returns them), access
 * advisor usage, access keys, the credential report and a resource inventory; plus
 * planted.json, the answer key of the escalation paths planted in the estate.
 *
 * Same seed and size give the same bytes: no clock input, one seeded stream per account.
 * Accounts are generated one at a time and written out before the next, so memory stays
 * bounded by the largest account (L: about 200k principals over 250 accounts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  ADMIN_POLICY_ARN,
  AWS_MANAGED,
  awsManagedArn,
  type ManagedPolicyDef,
  REGIONS,
  SERVICE_BY_NS,
  SERVICE_PRINCIPALS,
  SERVICES,
  TEAMS,
} from './catalog.js';
import { JsonArrayWriter, OutFile } from './out.js';
import { Rng } from './prng.js';

export const ESTATE_SIZES = {
  /** Tiny estate for smoke tests (CI). */
  XS: { accounts: 2, principals: 150 },
  S: { accounts: 2, principals: 1_000 },
  M: { accounts: 25, principals: 20_000 },
  L: { accounts: 250, principals: 200_000 },
} as const;
export type EstateSize = keyof typeof ESTATE_SIZES;

export function isEstateSize(value: unknown): value is EstateSize {
  return typeof value === 'string' && Object.hasOwn(ESTATE_SIZES, value);
}

/** Fixed "collection time": generated estates never read the clock. */
export const COLLECTED_AT = '2026-11-27T12:00:00Z';
const BASE_MS = Date.parse(COLLECTED_AT);
const DAY = 86_400_000;
/** Bumped whenever the same seed yields a different estate (cached estates are regenerated). */
export const GENERATOR_VERSION = 3;

export interface GenerateOptions {
  size: EstateSize;
  seed: number;
  out: string;
  /** Overrides of the size's defaults. */
  accounts?: number;
  principals?: number;
  log?: (message: string) => void;
}

export interface EstateCounts {
  accounts: number;
  users: number;
  groups: number;
  roles: number;
  customerPolicies: number;
  inlinePolicies: number;
  trustPrincipals: number;
  memberships: number;
  attachments: number;
  accessKeys: number;
  functions: number;
  instances: number;
  buckets: number;
  accessAdvisorEntries: number;
  plantedPaths: number;
}

export interface GenerateResult {
  dir: string;
  size: EstateSize;
  seed: number;
  counts: EstateCounts;
  /** Relative path -> SHA-256 of every file written (also in the manifest). */
  files: Record<string, string>;
  bytes: number;
  ms: number;
}

export interface PlantedHop {
  from: string;
  to: string;
  technique: string;
}

export interface PlantedPath {
  id: string;
  account: string;
  principal: string;
  target: string;
  techniques: string[];
  length: number;
  hops: PlantedHop[];
  description: string;
}

// ------------------------------------------------------------------ plan

interface AccountPlan {
  index: number;
  id: string;
  name: string;
  parent: string;
  users: number;
  groups: number;
  roles: number;
  policies: number;
}

interface OrgPlan {
  orgId: string;
  rootId: string;
  ous: { id: string; name: string }[];
  accounts: AccountPlan[];
}

function planOrg(seed: number, accounts: number, principals: number): OrgPlan {
  const rng = new Rng(seed, 'org');
  const orgId = rng.awsId('o-', 12).toLowerCase();
  const rootSuffix = rng.awsId('', 4).toLowerCase();
  const rootId = `r-${rootSuffix}`;
  const ous = ['Security', 'Prod', 'NonProd', 'Sandbox'].map((name) => ({
    id: `ou-${rootSuffix}-${rng.awsId('', 8).toLowerCase()}`,
    name,
  }));
  const ids = new Set<string>();
  while (ids.size < accounts) ids.add(String(rng.int(100_000_000_000, 999_999_999_999)));
  const idList = [...ids];
  const totalRoles = Math.round(principals * 0.847);
  const totalUsers = Math.round(principals * 0.136);
  const totalGroups = Math.max(accounts, principals - totalRoles - totalUsers);
  const weights = idList.map((_, i) => (i === 0 && accounts > 2 ? 0.3 : 0.3 + rng.next() * 1.4));
  const wsum = weights.reduce((a, b) => a + b, 0);
  const plans: AccountPlan[] = idList.map((id, i) => {
    const w = (weights[i] ?? 1) / wsum;
    const roles = Math.max(6, Math.round(totalRoles * w));
    const users = Math.min(5000, Math.max(3, Math.round(totalUsers * w)));
    const groups = Math.min(300, Math.max(2, Math.round(totalGroups * w)));
    const parent =
      i === 0 ? rootId : i === 1 ? (ous[0]?.id ?? rootId) : (ous[1 + ((i - 2) % 3)]?.id ?? rootId);
    const env = i === 0 ? 'management' : i === 1 ? 'security' : ['prod', 'nonprod', 'sandbox'][(i - 2) % 3];
    return {
      index: i,
      id,
      name: `${env}-${String(i).padStart(3, '0')}`,
      parent,
      users,
      groups,
      roles,
      policies: Math.min(1500, Math.max(5, Math.round(roles * 0.25 + users * 0.1))),
    };
  });
  // The quota edge case: one account at exactly 1,000 roles (L).
  if (accounts >= 100 && plans[1]) plans[1].roles = 1000;
  return { orgId, rootId, ous, accounts: plans };
}

// ------------------------------------------------------------------ specs

type Doc = Record<string, unknown>;

interface InlineSpec {
  name: string;
  doc: Doc;
}

interface UserSpec {
  name: string;
  inline: InlineSpec[];
  managed: string[];
  groups: string[];
  keys: number;
  password: boolean;
}

interface GroupSpec {
  name: string;
  inline: InlineSpec[];
  managed: string[];
}

interface RoleSpec {
  name: string;
  path: string;
  trust: Doc;
  inline: InlineSpec[];
  managed: string[];
  instanceProfile: boolean;
  /** Service the role is for (service roles), drives resources. */
  service?: string;
  lastUsedDays?: number | null;
}

interface PolicySpec {
  name: string;
  doc: Doc;
  /** Older, non-default versions (documents). */
  older: Doc[];
}

interface FunctionSpec {
  name: string;
  role: string;
}

interface InstanceSpec {
  id: string;
  profileName: string;
}

interface AccountSpec {
  users: UserSpec[];
  groups: GroupSpec[];
  roles: RoleSpec[];
  policies: PolicySpec[];
  functions: FunctionSpec[];
  instances: InstanceSpec[];
  planted: PlantedPath[];
}

const allow = (action: string | string[], resource: string | string[] = '*', extra: Doc = {}): Doc => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const policy = (...statements: Doc[]): Doc => ({ Version: '2012-10-17', Statement: statements });
const trustDoc = (principal: Doc, action = 'sts:AssumeRole', extra: Doc = {}): Doc =>
  policy({ Effect: 'Allow', Principal: principal, Action: action, ...extra });

const arn = {
  user: (acct: string, name: string) => `arn:aws:iam::${acct}:user/${name}`,
  group: (acct: string, name: string) => `arn:aws:iam::${acct}:group/${name}`,
  role: (acct: string, name: string, p = '/') => `arn:aws:iam::${acct}:role${p}${name}`,
  policy: (acct: string, name: string) => `arn:aws:iam::${acct}:policy/${name}`,
  root: (acct: string) => `arn:aws:iam::${acct}:root`,
  fn: (acct: string, name: string, region = 'us-east-1') =>
    `arn:aws:lambda:${region}:${acct}:function:${name}`,
};

/** Background names are a function of the index only, so other accounts can reference them. */
const bgRoleName = (i: number) => `${TEAMS[i % TEAMS.length]}-app-${String(i).padStart(5, '0')}`;
const bgUserName = (i: number) => `${TEAMS[(i * 7) % TEAMS.length]}.user${String(i).padStart(5, '0')}`;
const bgGroupName = (i: number) => `${TEAMS[i % TEAMS.length]}-team-${String(i).padStart(3, '0')}`;
const bgPolicyName = (i: number) => `${TEAMS[(i * 3) % TEAMS.length]}-access-${String(i).padStart(4, '0')}`;
const ADMIN_ROLE = 'OrganizationAccountAccessRole';

// ------------------------------------------------------------------ planted paths

function plantSlot(k: number, a: string, b: string, spec: AccountSpec, specB: AccountSpec): void {
  const p = `pg${k}-`;
  const admin = `aws-admin:${a}`;
  const none: string[] = [];
  const user = (name: string, inline: InlineSpec[], managed = none, keys = 1): UserSpec => ({
    name,
    inline,
    managed,
    groups: [],
    keys,
    password: false,
  });
  const role = (
    name: string,
    trust: Doc,
    inline: InlineSpec[],
    managed = none,
    extra: Partial<RoleSpec> = {},
  ): RoleSpec => ({ name, path: '/', trust, inline, managed, instanceProfile: false, ...extra });
  const svcTrust = (svc: string) => trustDoc({ Service: svc });
  const add = (
    s: AccountSpec,
    id: string,
    principal: string,
    target: string,
    hops: PlantedHop[],
    description: string,
  ) =>
    s.planted.push({
      id: `${p}${id}`,
      account: principal.split(':')[4] ?? a,
      principal,
      target,
      techniques: hops.map((h) => h.technique),
      length: hops.length,
      hops,
      description,
    });
  const one = (from: string, to: string, technique: string) => [{ from, to, technique }];

  // iam-005: inline policy on own role.
  const r005 = arn.role(a, `${p}putrolepolicy-self`);
  spec.roles.push(
    role(`${p}putrolepolicy-self`, svcTrust('ec2.amazonaws.com'), [
      { name: 'self-edit', doc: policy(allow('iam:PutRolePolicy', r005)) },
    ]),
  );
  add(spec, 'iam-005', r005, admin, one(r005, admin, 'iam-005'), 'Role can put an inline policy on itself');

  // iam-007: inline policy on own user.
  const u007 = arn.user(a, `${p}putuserpolicy-self`);
  spec.users.push(
    user(`${p}putuserpolicy-self`, [{ name: 'self-edit', doc: policy(allow('iam:PutUserPolicy', u007)) }]),
  );
  add(spec, 'iam-007', u007, admin, one(u007, admin, 'iam-007'), 'User can put an inline policy on itself');

  // iam-008: attach a managed policy to self (user).
  const u008 = arn.user(a, `${p}attachuserpolicy-self`);
  spec.users.push(
    user(`${p}attachuserpolicy-self`, [
      { name: 'self-attach', doc: policy(allow(['iam:AttachUserPolicy', 'iam:ListPolicies'], u008)) },
    ]),
  );
  add(
    spec,
    'iam-008',
    u008,
    admin,
    one(u008, admin, 'iam-008'),
    'User can attach any managed policy to itself',
  );

  // iam-009: attach a managed policy to own role.
  const r009 = arn.role(a, `${p}attachrolepolicy-self`);
  spec.roles.push(
    role(`${p}attachrolepolicy-self`, svcTrust('lambda.amazonaws.com'), [
      { name: 'self-attach', doc: policy(allow('iam:AttachRolePolicy', r009)) },
    ]),
  );
  add(
    spec,
    'iam-009',
    r009,
    admin,
    one(r009, admin, 'iam-009'),
    'Role can attach any managed policy to itself',
  );

  // iam-013: join an admin group.
  const gAdmins = `${p}admins`;
  const gArn = arn.group(a, gAdmins);
  spec.groups.push({ name: gAdmins, inline: [], managed: [ADMIN_POLICY_ARN] });
  const u013 = arn.user(a, `${p}group-joiner`);
  spec.users.push(
    user(`${p}group-joiner`, [{ name: 'group-admin', doc: policy(allow('iam:AddUserToGroup', gArn)) }]),
  );
  add(
    spec,
    'iam-013',
    u013,
    gArn,
    one(u013, gArn, 'iam-013'),
    'User can add itself to an administrators group',
  );

  // iam-002: access key for an admin user with no keys.
  const breakglass = arn.user(a, `${p}breakglass`);
  spec.users.push({ ...user(`${p}breakglass`, [], [ADMIN_POLICY_ARN], 0), password: true });
  const u002 = arn.user(a, `${p}keymaker`);
  spec.users.push(
    user(`${p}keymaker`, [{ name: 'key-rotation', doc: policy(allow('iam:CreateAccessKey', breakglass)) }]),
  );
  add(
    spec,
    'iam-002',
    u002,
    breakglass,
    one(u002, breakglass, 'iam-002'),
    'User can mint access keys for an admin user',
  );

  // iam-001: new default version of a customer-managed policy attached to self.
  const mName = `${p}editable`;
  const mArn = arn.policy(a, mName);
  spec.policies.push({
    name: mName,
    doc: policy(allow(['s3:GetObject', 's3:ListBucket'], '*'), allow('iam:CreatePolicyVersion', mArn)),
    older: [],
  });
  const u001 = arn.user(a, `${p}policy-editor`);
  spec.users.push(user(`${p}policy-editor`, [], [mArn]));
  add(
    spec,
    'iam-001',
    u001,
    admin,
    one(u001, admin, 'iam-001'),
    'User can write a new default version of its own policy',
  );

  // lambda-001: pass an admin role to a new function and invoke it.
  const lAdmin = arn.role(a, `${p}lambda-admin`);
  spec.roles.push(role(`${p}lambda-admin`, svcTrust('lambda.amazonaws.com'), [], [ADMIN_POLICY_ARN]));
  const uL = arn.user(a, `${p}lambda-deployer`);
  spec.users.push(
    user(`${p}lambda-deployer`, [
      {
        name: 'deploy',
        doc: policy(allow('iam:PassRole', lAdmin), allow(['lambda:CreateFunction', 'lambda:InvokeFunction'])),
      },
    ]),
  );
  add(
    spec,
    'lambda-001',
    uL,
    lAdmin,
    one(uL, lAdmin, 'lambda-001'),
    'User can pass an admin role to a new Lambda function',
  );

  // ec2-001: pass an admin instance profile role to a new instance.
  const eAdmin = arn.role(a, `${p}ec2-admin`);
  spec.roles.push(
    role(`${p}ec2-admin`, svcTrust('ec2.amazonaws.com'), [], [ADMIN_POLICY_ARN], { instanceProfile: true }),
  );
  const rE = arn.role(a, `${p}ec2-launcher`);
  spec.roles.push(
    role(`${p}ec2-launcher`, svcTrust('codebuild.amazonaws.com'), [
      { name: 'launch', doc: policy(allow('iam:PassRole', eAdmin), allow('ec2:RunInstances')) },
    ]),
  );
  add(
    spec,
    'ec2-001',
    rE,
    eAdmin,
    one(rE, eAdmin, 'ec2-001'),
    'Role can launch an instance with an admin profile',
  );

  // sts-001 -> iam-005 (length 2).
  const uHop = arn.user(a, `${p}hop-user`);
  const rHop = arn.role(a, `${p}hop-role`);
  spec.users.push(user(`${p}hop-user`, [{ name: 'read', doc: policy(allow('s3:ListAllMyBuckets')) }]));
  spec.roles.push(
    role(`${p}hop-role`, trustDoc({ AWS: uHop }), [
      { name: 'self-edit', doc: policy(allow('iam:PutRolePolicy', rHop)) },
    ]),
  );
  add(
    spec,
    'sts-001+iam-005',
    uHop,
    admin,
    [
      { from: uHop, to: rHop, technique: 'sts-001' },
      { from: rHop, to: admin, technique: 'iam-005' },
    ],
    'User assumes a role that can edit its own inline policy',
  );

  // sts-001 -> sts-001 (cross-account) -> lambda-001 (length 3).
  const uX = arn.user(a, `${p}xacct-user`);
  const rJump = arn.role(a, `${p}xacct-jump`);
  const rDeploy = arn.role(b, `${p}xacct-deploy`);
  const rBAdmin = arn.role(b, `${p}xacct-lambda-admin`);
  spec.users.push(user(`${p}xacct-user`, []));
  spec.roles.push(
    role(`${p}xacct-jump`, trustDoc({ AWS: uX }), [
      { name: 'jump', doc: policy(allow('sts:AssumeRole', rDeploy)) },
    ]),
  );
  specB.roles.push(
    role(`${p}xacct-deploy`, trustDoc({ AWS: rJump }), [
      {
        name: 'deploy',
        doc: policy(
          allow('iam:PassRole', rBAdmin),
          allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
        ),
      },
    ]),
  );
  specB.roles.push(role(`${p}xacct-lambda-admin`, svcTrust('lambda.amazonaws.com'), [], [ADMIN_POLICY_ARN]));
  add(
    spec,
    'sts-001+sts-001+lambda-001',
    uX,
    rBAdmin,
    [
      { from: uX, to: rJump, technique: 'sts-001' },
      { from: rJump, to: rDeploy, technique: 'sts-001' },
      { from: rDeploy, to: rBAdmin, technique: 'lambda-001' },
    ],
    'User hops through a role into another account and passes an admin role to Lambda',
  );

  // lambda-003: replace the code of a function that runs as an admin role.
  const fnRole = arn.role(a, `${p}fn-admin-role`);
  const fnName = `${p}admin-fn`;
  spec.roles.push(role(`${p}fn-admin-role`, svcTrust('lambda.amazonaws.com'), [], [ADMIN_POLICY_ARN]));
  spec.functions.push({ name: fnName, role: fnRole });
  const uCode = arn.user(a, `${p}code-pusher`);
  spec.users.push(
    user(`${p}code-pusher`, [
      {
        name: 'ci',
        doc: policy(allow(['lambda:UpdateFunctionCode', 'lambda:GetFunction'], arn.fn(a, fnName))),
      },
    ]),
  );
  add(
    spec,
    'lambda-003',
    uCode,
    fnRole,
    one(uCode, fnRole, 'lambda-003'),
    'User can replace the code of a function running as admin',
  );

  // iam-012: rewrite the trust of an admin role.
  const locked = arn.role(a, `${p}locked-admin`);
  spec.roles.push(role(`${p}locked-admin`, svcTrust('ec2.amazonaws.com'), [], [ADMIN_POLICY_ARN]));
  const uTrust = arn.user(a, `${p}trust-editor`);
  spec.users.push(
    user(`${p}trust-editor`, [{ name: 'trust', doc: policy(allow('iam:UpdateAssumeRolePolicy', locked)) }]),
  );
  add(
    spec,
    'iam-012',
    uTrust,
    locked,
    one(uTrust, locked, 'iam-012'),
    'User can rewrite the trust policy of an admin role',
  );

  // Trust cycle a <-> b, then iam-009 from b (length 2).
  const ca = arn.role(a, `${p}cycle-a`);
  const cb = arn.role(a, `${p}cycle-b`);
  spec.roles.push(
    role(`${p}cycle-a`, trustDoc({ AWS: cb }), [{ name: 'read', doc: policy(allow('sqs:ListQueues')) }]),
  );
  spec.roles.push(
    role(`${p}cycle-b`, trustDoc({ AWS: ca }), [
      { name: 'self-attach', doc: policy(allow('iam:AttachRolePolicy', cb)) },
    ]),
  );
  add(
    spec,
    'sts-001+iam-009',
    ca,
    admin,
    [
      { from: ca, to: cb, technique: 'sts-001' },
      { from: cb, to: admin, technique: 'iam-009' },
    ],
    'Two roles trust each other; one can attach policies to itself',
  );

  // A 5-role trust ring with no way out (tests termination; not a path to admin).
  for (let i = 0; i < 5; i++) {
    const next = arn.role(a, `${p}ring-${(i + 1) % 5}`);
    spec.roles.push(
      role(`${p}ring-${i}`, trustDoc({ AWS: next }), [
        { name: 'read', doc: policy(allow('logs:DescribeLogGroups')) },
      ]),
    );
  }
}

// ------------------------------------------------------------------ background

function randomResource(rng: Rng, ns: string, acct: string): string {
  if (rng.chance(0.5)) return '*';
  const region = rng.pick(REGIONS);
  const name = `${rng.pick(TEAMS)}-${rng.int(1, 999)}`;
  switch (ns) {
    case 's3':
      return `arn:aws:s3:::${name}-${acct}/*`;
    case 'dynamodb':
      return `arn:aws:dynamodb:${region}:${acct}:table/${name}`;
    case 'sqs':
      return `arn:aws:sqs:${region}:${acct}:${name}`;
    case 'sns':
      return `arn:aws:sns:${region}:${acct}:${name}`;
    case 'lambda':
      return `arn:aws:lambda:${region}:${acct}:function:${name}`;
    case 'kms':
      return `arn:aws:kms:${region}:${acct}:key/${rng.awsId('', 8).toLowerCase()}`;
    case 'secretsmanager':
      return `arn:aws:secretsmanager:${region}:${acct}:secret:${name}-*`;
    case 'logs':
      return `arn:aws:logs:${region}:${acct}:log-group:/aws/${name}:*`;
    default:
      return '*';
  }
}

/** A customer policy: mean 12 actions, 5 % wildcards (svc:* or svc:Get*), some conditions. */
function randomPolicy(rng: Rng, acct: string): Doc {
  const statements: Doc[] = [];
  const nStmt = Math.min(5, 1 + rng.poisson(0.8));
  const total = Math.max(1, rng.poisson(12));
  let left = total;
  for (let s = 0; s < nStmt && left > 0; s++) {
    const n = s === nStmt - 1 ? left : Math.max(1, Math.round(left / (nStmt - s)));
    left -= n;
    const svc = SERVICES[rng.zipf(SERVICES.length - 2, 0.8)] ?? SERVICES[0]!;
    const actions = new Set<string>();
    for (let i = 0; i < n; i++) {
      if (rng.chance(0.05)) {
        actions.add(
          rng.chance(0.6) ? `${svc.ns}:*` : `${svc.ns}:${rng.pick(['Get*', 'List*', 'Describe*'])}`,
        );
      } else {
        const other = rng.chance(0.7) ? svc : (SERVICES[rng.zipf(SERVICES.length - 2, 0.8)] ?? svc);
        actions.add(`${other.ns}:${rng.pick(other.actions)}`);
      }
    }
    const list = [...actions].sort();
    const stmt: Doc = {
      Sid: `S${s}`,
      Effect: rng.chance(0.03) ? 'Deny' : 'Allow',
      Action: list.length === 1 ? list[0] : list,
      Resource: randomResource(rng, svc.ns, acct),
    };
    if (rng.chance(0.08)) stmt.Condition = { StringEquals: { 'aws:RequestedRegion': rng.pick(REGIONS) } };
    else if (rng.chance(0.04)) stmt.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
    statements.push(stmt);
  }
  if (rng.chance(0.08)) statements.push(allow('sts:AssumeRole', '*', { Sid: 'AssumeAny' }));
  return policy(...statements);
}

function pickManaged(rng: Rng, acct: string, pool: number, awsShare: number): string {
  if (pool === 0 || rng.chance(awsShare)) {
    // AdministratorAccess is never drawn here; admin roles are chosen explicitly.
    const p = AWS_MANAGED[1 + rng.zipf(AWS_MANAGED.length - 1, 1.2)] ?? AWS_MANAGED[1]!;
    return awsManagedArn(p);
  }
  return arn.policy(acct, bgPolicyName(rng.zipf(pool, 1.05)));
}

function backgroundAccount(rng: Rng, plan: AccountPlan, org: OrgPlan, spec: AccountSpec): void {
  const acct = plan.id;
  for (let j = 0; j < plan.policies; j++) {
    const older: Doc[] = [];
    if (rng.chance(0.2)) for (let v = rng.int(1, 3); v > 0; v--) older.push(randomPolicy(rng, acct));
    spec.policies.push({ name: bgPolicyName(j), doc: randomPolicy(rng, acct), older });
  }
  for (let g = 0; g < plan.groups; g++) {
    const managed = new Set<string>();
    for (let i = rng.int(1, 2); i > 0; i--) managed.add(pickManaged(rng, acct, plan.policies, 0.3));
    spec.groups.push({
      name: bgGroupName(g),
      managed: [...managed],
      inline: rng.chance(0.3) ? [{ name: 'team-extra', doc: randomPolicy(rng, acct) }] : [],
    });
  }
  for (let u = 0; u < plan.users; u++) {
    // Groups per user: mean 1.5, max 10 (quota), Zipf group sizes.
    const nGroups = Math.min(10, rng.poisson(1.5));
    const groups = rng.distinct(plan.groups, nGroups, 1.1).map(bgGroupName);
    const managed = new Set<string>();
    if (rng.chance(0.3))
      for (let i = rng.int(1, 2); i > 0; i--) managed.add(pickManaged(rng, acct, plan.policies, 0.4));
    // Management-account platform admins (they reach every member account through
    // OrganizationAccountAccessRole).
    if (plan.index === 0 && u < 2) managed.add(ADMIN_POLICY_ARN);
    const r = rng.next();
    spec.users.push({
      name: bgUserName(u),
      groups,
      managed: [...managed],
      inline: rng.chance(0.1) ? [{ name: 'personal', doc: randomPolicy(rng, acct) }] : [],
      keys: r < 0.3 ? 0 : r < 0.9 ? 1 : 2,
      password: rng.chance(0.4),
    });
  }
  const hubs = new Set<number>();
  const nHubs = Math.max(plan.roles >= 40 ? 1 : 0, Math.round(plan.roles * 0.005));
  for (let h = 0; h < nHubs; h++) hubs.add(rng.int(0, plan.roles - 1));
  const principalsHere = plan.users + plan.roles;
  const others = org.accounts.filter((x) => x.id !== acct);
  // A cross-account trust names the other account's root (30 %) or one of its roles. A root
  // admits every principal of that account allowed sts:AssumeRole, so hub roles name roles
  // only: their fan-out stays the 100-2,000 principals they list, whatever the estate's size.
  const crossRef = (rootShare = 0.3): string => {
    const o = rng.pick(others);
    return rng.chance(rootShare) ? arn.root(o.id) : arn.role(o.id, bgRoleName(rng.int(0, o.roles - 1)));
  };
  const localRef = (): string =>
    rng.chance(0.4)
      ? arn.user(acct, bgUserName(rng.zipf(plan.users, 0.9)))
      : arn.role(acct, bgRoleName(rng.zipf(plan.roles, 0.9)));
  // Trust rings (cycles): every ~60 roles, 3-6 consecutive principal roles trust the next.
  const ringNext = new Map<number, number>();
  for (let start = 0; start + 6 < plan.roles; start += 60) {
    const len = rng.int(3, 6);
    for (let i = 0; i < len; i++) ringNext.set(start + i, start + ((i + 1) % len));
  }
  for (let r = 0; r < plan.roles; r++) {
    let trust: Doc;
    let service: string | undefined;
    const isHub = hubs.has(r);
    if (isHub) {
      const fan = Math.min(principalsHere - 1, rng.int(100, 2000));
      const names = new Set<string>();
      for (let i = 0; i < fan; i++)
        names.add(others.length > 0 && rng.chance(0.1) ? crossRef(0) : localRef());
      names.delete(arn.role(acct, bgRoleName(r)));
      trust = trustDoc({ AWS: [...names].sort() });
    } else if (ringNext.has(r)) {
      trust = trustDoc({ AWS: arn.role(acct, bgRoleName(ringNext.get(r)!)) });
    } else if (rng.chance(0.4)) {
      service = SERVICE_PRINCIPALS[rng.zipf(SERVICE_PRINCIPALS.length, 1.0)] ?? 'lambda.amazonaws.com';
      trust = trustDoc({ Service: service });
    } else if (rng.chance(0.05)) {
      trust = trustDoc({ Federated: `arn:aws:iam::${acct}:saml-provider/Okta` }, 'sts:AssumeRoleWithSAML', {
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      });
    } else {
      const n = Math.max(1, 1 + rng.poisson(1));
      const names = new Set<string>();
      for (let i = 0; i < n; i++) names.add(others.length > 0 && rng.chance(0.1) ? crossRef() : localRef());
      names.delete(arn.role(acct, bgRoleName(r)));
      if (names.size === 0) names.add(arn.root(acct));
      const list = [...names].sort();
      trust = trustDoc({ AWS: list.length === 1 ? list[0] : list });
      if (rng.chance(0.1))
        (trust.Statement as Doc[])[0]!.Condition = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
    }
    // Policies per role: 3 managed (max 10; 1 % at 20) + 0.5 inline.
    const nManaged = rng.chance(0.01) ? 20 : Math.min(10, Math.max(1, rng.poisson(3)));
    const managed = new Set<string>();
    for (let i = 0; i < nManaged; i++) managed.add(pickManaged(rng, acct, plan.policies, 0.25));
    if (!isHub && rng.chance(0.01)) managed.add(ADMIN_POLICY_ARN);
    const inline: InlineSpec[] = [];
    for (let i = rng.poisson(0.5); i > 0; i--)
      inline.push({ name: `inline-${inline.length}`, doc: randomPolicy(rng, acct) });
    const used = rng.next();
    spec.roles.push({
      name: bgRoleName(r),
      path: '/',
      trust,
      inline,
      managed: [...managed],
      instanceProfile: service === 'ec2.amazonaws.com',
      ...(service ? { service } : {}),
      lastUsedDays: used < 0.2 ? null : used < 0.3 ? undefined : rng.int(0, 400),
    });
    if (service === 'lambda.amazonaws.com' && rng.chance(0.6))
      spec.functions.push({ name: `${bgRoleName(r)}-fn`, role: arn.role(acct, bgRoleName(r)) });
  }
  if (plan.index !== 0) {
    spec.roles.push({
      name: ADMIN_ROLE,
      path: '/',
      trust: trustDoc({ AWS: arn.root(org.accounts[0]!.id) }),
      inline: [],
      managed: [ADMIN_POLICY_ARN],
      instanceProfile: false,
      lastUsedDays: rng.int(0, 60),
    });
  }
}

// ------------------------------------------------------------------ serialisation

const enc = (doc: Doc) => encodeURIComponent(JSON.stringify(doc));
const isoDaysAgo = (days: number, rng?: Rng) =>
  new Date(BASE_MS - days * DAY - (rng ? rng.int(0, 86_399) * 1000 : 0)).toISOString().replace('.000Z', 'Z');

/** Services (and concrete actions per service) a set of policy documents grants. */
function grantsOf(docs: Doc[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (ns: string, action?: string) => {
    let set = out.get(ns);
    if (!set) {
      set = new Set();
      out.set(ns, set);
    }
    if (action) set.add(action);
  };
  for (const doc of docs) {
    for (const s of (doc.Statement as Doc[]) ?? []) {
      if (s.Effect !== 'Allow') continue;
      if (s.NotAction) {
        for (const svc of SERVICES) if (svc.ns !== 'iam') add(svc.ns);
        continue;
      }
      const actions = Array.isArray(s.Action) ? (s.Action as string[]) : [s.Action as string];
      for (const a of actions) {
        if (a === '*') {
          for (const svc of SERVICES) add(svc.ns);
          continue;
        }
        const [ns, name] = a.split(':') as [string, string];
        add(ns, name && !name.includes('*') ? name : undefined);
      }
    }
  }
  return out;
}

interface Ctx {
  seed: number;
  org: OrgPlan;
  files: Record<string, string>;
  bytes: number;
  counts: EstateCounts;
  dir: string;
}

async function finish(ctx: Ctx, out: OutFile): Promise<void> {
  const sha = await out.close();
  ctx.files[path.relative(ctx.dir, out.file).split(path.sep).join('/')] = sha;
  ctx.bytes += out.bytes;
}

async function writeAccount(ctx: Ctx, plan: AccountPlan, spec: AccountSpec, rng: Rng): Promise<void> {
  const acct = plan.id;
  const dir = path.join(ctx.dir, 'accounts', acct);
  const created = (maxDays: number) => isoDaysAgo(rng.int(30, maxDays), rng);
  const awsManagedByArn = new Map<string, ManagedPolicyDef>(AWS_MANAGED.map((p) => [awsManagedArn(p), p]));
  const policyByArn = new Map<string, PolicySpec>(spec.policies.map((p) => [arn.policy(acct, p.name), p]));
  const attachCount = new Map<string, number>();
  const countAttach = (list: string[]) => {
    for (const a of list) attachCount.set(a, (attachCount.get(a) ?? 0) + 1);
    ctx.counts.attachments += list.length;
  };
  const managedRefs = (list: string[]) =>
    list.map((a) => ({ PolicyName: a.slice(a.lastIndexOf('/') + 1), PolicyArn: a }));
  const docOf = (a: string): Doc | undefined => policyByArn.get(a)?.doc ?? awsManagedByArn.get(a)?.document;
  const groupDocs = new Map<string, Doc[]>();
  for (const g of spec.groups)
    groupDocs.set(g.name, [
      ...g.inline.map((i) => i.doc),
      ...g.managed.map(docOf).filter((d): d is Doc => !!d),
    ]);

  const advisor = new JsonArrayWriter(new OutFile(path.join(dir, 'access-advisor.json')));
  const advisorOut = advisor.out;
  await advisor.open();
  const advise = async (principalArn: string, docs: Doc[]) => {
    if (!rng.chance(0.9)) return; // no usage data for ~10 % of principals
    const grants = grantsOf(docs);
    const services: Doc[] = [];
    for (const [ns, actions] of [...grants.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
      const def = SERVICE_BY_NS.get(ns);
      const used = rng.chance(0.3);
      const entry: Doc = { ServiceNamespace: ns, ServiceName: def?.name ?? ns };
      if (used) {
        const days = rng.int(0, 400);
        entry.LastAuthenticated = isoDaysAgo(days, rng);
        entry.LastAuthenticatedEntity = principalArn;
        entry.LastAuthenticatedRegion = rng.pick(REGIONS);
        entry.TotalAuthenticatedEntities = 1;
      } else {
        entry.TotalAuthenticatedEntities = 0;
      }
      if (def?.tracked) {
        const names = actions.size > 0 ? [...actions].sort() : def.actions.slice(0, 3);
        entry.TrackedActionsLastAccessed = names.map((n, i) => {
          const a: Doc = { ActionName: n };
          if (used && (i === 0 || rng.chance(0.25))) {
            a.LastAccessedTime = isoDaysAgo(rng.int(0, 400), rng);
            a.LastAccessedEntity = principalArn;
            a.LastAccessedRegion = rng.pick(REGIONS);
          }
          return a;
        });
      }
      services.push(entry);
    }
    ctx.counts.accessAdvisorEntries++;
    await advisor.item({
      Arn: principalArn,
      JobStatus: 'COMPLETED',
      JobType: 'ACTION_LEVEL',
      JobCreationDate: isoDaysAgo(0.05),
      JobCompletionDate: isoDaysAgo(1 / 24),
      ServicesLastAccessed: services,
    });
  };

  const auth = new OutFile(path.join(dir, 'authorization-details.json'));
  const keys = new JsonArrayWriter(new OutFile(path.join(dir, 'access-keys.json')));
  const keysOut = keys.out;
  await keys.open();
  const report = new OutFile(path.join(dir, 'credential-report.csv'));
  await report.write(
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
      'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
      'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
      'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n',
  );
  await report.write(
    `<root_account>,${arn.root(acct)},${isoDaysAgo(1500)},not_supported,${isoDaysAgo(200, rng)},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n`,
  );

  await auth.write('{\n  "UserDetailList": ');
  const users = new JsonArrayWriter(auth, '  ');
  await users.open();
  for (const u of spec.users) {
    const userArn = arn.user(acct, u.name);
    const createDate = created(1400);
    countAttach(u.managed);
    ctx.counts.users++;
    ctx.counts.memberships += u.groups.length;
    ctx.counts.inlinePolicies += u.inline.length;
    await users.item({
      Path: '/',
      UserName: u.name,
      UserId: rng.awsId('AIDA'),
      Arn: userArn,
      CreateDate: createDate,
      UserPolicyList: u.inline.map((i) => ({ PolicyName: i.name, PolicyDocument: enc(i.doc) })),
      GroupList: u.groups,
      AttachedManagedPolicies: managedRefs(u.managed),
      Tags: [{ Key: 'team', Value: u.name.split(/[.-]/)[0] ?? 'unknown' }],
    });
    const docs = [
      ...u.inline.map((i) => i.doc),
      ...u.managed.map(docOf).filter((d): d is Doc => !!d),
      ...u.groups.flatMap((g) => groupDocs.get(g) ?? []),
    ];
    await advise(userArn, docs);
    const keyCols: string[] = [];
    for (let k = 0; k < 2; k++) {
      if (k < u.keys) {
        const id = rng.awsId('AKIA', 20);
        const rotated = created(900);
        const usedDays = rng.chance(0.7) ? rng.int(0, 300) : null;
        const region = rng.pick(REGIONS);
        const svc = rng.pick(SERVICES).ns;
        ctx.counts.accessKeys++;
        await keys.item({
          UserName: u.name,
          AccessKeyId: id,
          Status: rng.chance(0.9) ? 'Active' : 'Inactive',
          CreateDate: rotated,
          LastUsed:
            usedDays === null
              ? { ServiceName: 'N/A', Region: 'N/A' }
              : { LastUsedDate: isoDaysAgo(usedDays, rng), ServiceName: svc, Region: region },
        });
        keyCols.push(
          'true',
          rotated,
          usedDays === null ? 'N/A' : isoDaysAgo(usedDays),
          usedDays === null ? 'N/A' : region,
          usedDays === null ? 'N/A' : svc,
        );
      } else keyCols.push('false', 'N/A', 'N/A', 'N/A', 'N/A');
    }
    const pwUsed =
      u.password && rng.chance(0.8)
        ? isoDaysAgo(rng.int(0, 200), rng)
        : u.password
          ? 'no_information'
          : 'N/A';
    await report.write(
      `${u.name},${userArn},${createDate},${u.password},${pwUsed},${u.password ? createDate : 'N/A'},${u.password ? 'N/A' : 'N/A'},${u.password && rng.chance(0.7)},${keyCols.join(',')},false,N/A,false,N/A\n`,
    );
  }
  await users.close(',\n  "GroupDetailList": ');

  const groups = new JsonArrayWriter(auth, '  ');
  await groups.open();
  for (const g of spec.groups) {
    countAttach(g.managed);
    ctx.counts.groups++;
    ctx.counts.inlinePolicies += g.inline.length;
    await groups.item({
      Path: '/',
      GroupName: g.name,
      GroupId: rng.awsId('AGPA'),
      Arn: arn.group(acct, g.name),
      CreateDate: created(1500),
      GroupPolicyList: g.inline.map((i) => ({ PolicyName: i.name, PolicyDocument: enc(i.doc) })),
      AttachedManagedPolicies: managedRefs(g.managed),
    });
  }
  await groups.close(',\n  "RoleDetailList": ');

  const roles = new JsonArrayWriter(auth, '  ');
  await roles.open();
  const profiles: { name: string; id: string; arn: string }[] = [];
  for (const r of spec.roles) {
    const roleArn = arn.role(acct, r.name, r.path);
    const createDate = created(1400);
    const roleId = rng.awsId('AROA');
    countAttach(r.managed);
    ctx.counts.roles++;
    ctx.counts.inlinePolicies += r.inline.length;
    const principals = ((r.trust.Statement as Doc[])[0]?.Principal ?? {}) as Doc;
    const aws = principals.AWS;
    ctx.counts.trustPrincipals += Array.isArray(aws) ? aws.length : 1;
    const base = {
      Path: r.path,
      RoleName: r.name,
      RoleId: roleId,
      Arn: roleArn,
      CreateDate: createDate,
      AssumeRolePolicyDocument: enc(r.trust),
    };
    const instanceProfiles: Doc[] = [];
    if (r.instanceProfile) {
      const p = {
        name: r.name,
        id: rng.awsId('AIPA'),
        arn: `arn:aws:iam::${acct}:instance-profile/${r.name}`,
      };
      profiles.push(p);
      instanceProfiles.push({
        Path: '/',
        InstanceProfileName: p.name,
        InstanceProfileId: p.id,
        Arn: p.arn,
        CreateDate: createDate,
        Roles: [{ ...base, MaxSessionDuration: 3600 }],
      });
    }
    await roles.item({
      ...base,
      InstanceProfileList: instanceProfiles,
      RolePolicyList: r.inline.map((i) => ({ PolicyName: i.name, PolicyDocument: enc(i.doc) })),
      AttachedManagedPolicies: managedRefs(r.managed),
      Tags: [],
      RoleLastUsed:
        r.lastUsedDays === null || r.lastUsedDays === undefined
          ? {}
          : { LastUsedDate: isoDaysAgo(r.lastUsedDays, rng), Region: rng.pick(REGIONS) },
    });
    await advise(roleArn, [
      ...r.inline.map((i) => i.doc),
      ...r.managed.map(docOf).filter((d): d is Doc => !!d),
    ]);
  }
  await roles.close(',\n  "Policies": ');

  const pols = new JsonArrayWriter(auth, '  ');
  await pols.open();
  for (const p of spec.policies) {
    const pArn = arn.policy(acct, p.name);
    const createDate = created(1500);
    ctx.counts.customerPolicies++;
    const versions = [p.doc, ...p.older].map((doc, i, all) => ({
      Document: enc(doc),
      VersionId: `v${all.length - i}`,
      IsDefaultVersion: i === 0,
      CreateDate: i === 0 ? isoDaysAgo(rng.int(1, 29), rng) : createDate,
    }));
    await pols.item({
      PolicyName: p.name,
      PolicyId: rng.awsId('ANPA'),
      Arn: pArn,
      Path: '/',
      DefaultVersionId: `v${versions.length}`,
      AttachmentCount: attachCount.get(pArn) ?? 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: createDate,
      UpdateDate: versions[0]!.CreateDate,
      PolicyVersionList: versions,
    });
  }
  // AWS-managed policies attached in this account, as GetAccountAuthorizationDetails lists them.
  for (const p of AWS_MANAGED) {
    const pArn = awsManagedArn(p);
    const n = attachCount.get(pArn) ?? 0;
    if (n === 0) continue;
    await pols.item({
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: pArn,
      Path: p.path,
      DefaultVersionId: 'v1',
      AttachmentCount: n,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: '2015-02-06T18:39:46Z',
      UpdateDate: '2015-02-06T18:39:46Z',
      PolicyVersionList: [
        {
          Document: enc(p.document),
          VersionId: 'v1',
          IsDefaultVersion: true,
          CreateDate: '2015-02-06T18:39:46Z',
        },
      ],
    });
  }
  await pols.close(',\n  "IsTruncated": false\n}\n');
  await finish(ctx, auth);
  await advisor.close('\n');
  await finish(ctx, advisorOut);
  await keys.close('\n');
  await finish(ctx, keysOut);
  await finish(ctx, report);

  // Resources (ListFunctions, DescribeInstances, ListBuckets + GetBucketPolicy items, each with
  // the Region it was listed in), one file per service as the collector writes them.
  const fnOut = new OutFile(path.join(dir, 'resources', 'lambda.json'));
  const fns = new JsonArrayWriter(fnOut);
  await fns.open('{\n  "Functions": ');
  for (const f of spec.functions) {
    ctx.counts.functions++;
    await fns.item({
      Region: 'us-east-1',
      FunctionName: f.name,
      FunctionArn: arn.fn(acct, f.name),
      Runtime: rng.pick(['python3.12', 'nodejs20.x', 'java21']),
      Role: f.role,
      Handler: 'index.handler',
      CodeSize: rng.int(1_000, 5_000_000),
      Timeout: rng.pick([3, 30, 60, 900]),
      MemorySize: rng.pick([128, 256, 512, 1024]),
      LastModified: `${isoDaysAgo(rng.int(1, 300), rng).replace('Z', '')}.000+0000`,
      Version: '$LATEST',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    });
  }
  await fns.close('\n}\n');
  await finish(ctx, fnOut);

  const ec2Out = new OutFile(path.join(dir, 'resources', 'ec2.json'));
  const reservations = new JsonArrayWriter(ec2Out);
  await reservations.open('{\n  "Instances": ');
  for (const p of profiles) {
    if (!rng.chance(0.5) && !p.name.startsWith('pg')) continue;
    ctx.counts.instances++;
    const region = rng.pick(REGIONS);
    await reservations.item({
      Region: region,
      OwnerId: acct,
      ReservationId: `r-${rng.awsId('', 17).toLowerCase()}`,
      InstanceId: `i-${rng.awsId('', 17).toLowerCase()}`,
      InstanceType: rng.pick(['t3.micro', 'm5.large', 'c6i.xlarge']),
      State: { Code: 16, Name: 'running' },
      IamInstanceProfile: { Arn: p.arn, Id: p.id },
      Placement: { AvailabilityZone: `${region}${rng.pick(['a', 'b', 'c'])}` },
      LaunchTime: isoDaysAgo(rng.int(1, 200), rng),
      Tags: [{ Key: 'Name', Value: p.name }],
    });
  }
  await reservations.close('\n}\n');
  await finish(ctx, ec2Out);

  const s3Out = new OutFile(path.join(dir, 'resources', 's3.json'));
  const buckets = new JsonArrayWriter(s3Out);
  await buckets.open('{\n  "Buckets": ');
  const nBuckets = Math.max(2, Math.round(plan.roles * 0.05));
  for (let i = 0; i < nBuckets; i++) {
    const name = `${TEAMS[i % TEAMS.length]}-data-${i}-${acct}`;
    ctx.counts.buckets++;
    const b: Doc = { Name: name, CreationDate: created(1500), Region: rng.pick(REGIONS) };
    if (rng.chance(0.3)) {
      const pub = rng.chance(0.1);
      b.Policy = JSON.stringify(
        policy({
          Sid: pub ? 'PublicRead' : 'CrossAccountRead',
          Effect: 'Allow',
          Principal: pub ? '*' : { AWS: arn.root(rng.pick(ctx.org.accounts).id) },
          Action: ['s3:GetObject'],
          Resource: `arn:aws:s3:::${name}/*`,
        }),
      );
    }
    await buckets.item(b);
  }
  await buckets.close(`,\n  "Owner": { "ID": "${rng.awsId('', 64).toLowerCase()}" }\n}\n`);
  await finish(ctx, s3Out);
}

async function writeOrganization(ctx: Ctx): Promise<void> {
  const { org } = ctx;
  const mgmt = org.accounts[0]!.id;
  const orgArn = `arn:aws:organizations::${mgmt}:organization/${org.orgId}`;
  const ouArn = (id: string) => `arn:aws:organizations::${mgmt}:ou/${org.orgId}/${id}`;
  const rootArn = `arn:aws:organizations::${mgmt}:root/${org.orgId}/${org.rootId}`;
  const out = new OutFile(path.join(ctx.dir, 'organization.json'));
  const target = (id: string) => {
    if (id === org.rootId) return { TargetId: id, Arn: rootArn, Name: 'Root', Type: 'ROOT' };
    const ou = org.ous.find((o) => o.id === id);
    if (ou) return { TargetId: id, Arn: ouArn(id), Name: ou.name, Type: 'ORGANIZATIONAL_UNIT' };
    const acct = org.accounts.find((a) => a.id === id)!;
    return {
      TargetId: id,
      Arn: `arn:aws:organizations::${mgmt}:account/${org.orgId}/${id}`,
      Name: acct.name,
      Type: 'ACCOUNT',
    };
  };
  const scp = (
    id: string,
    name: string,
    type: string,
    content: Doc,
    targets: string[],
    awsManaged = false,
  ) => ({
    PolicySummary: {
      Id: id,
      Arn: awsManaged
        ? `arn:aws:organizations::aws:policy/${type.toLowerCase()}/${id}`
        : `arn:aws:organizations::${mgmt}:policy/${org.orgId}/${type.toLowerCase()}/${id}`,
      Name: name,
      Description: name,
      Type: type,
      AwsManaged: awsManaged,
    },
    Content: JSON.stringify(content),
    Targets: targets.map(target),
  });
  const ouId = (name: string) => org.ous.find((o) => o.name === name)!.id;
  const doc = {
    Organization: {
      Id: org.orgId,
      Arn: orgArn,
      FeatureSet: 'ALL',
      MasterAccountArn: `arn:aws:organizations::${mgmt}:account/${org.orgId}/${mgmt}`,
      MasterAccountId: mgmt,
      MasterAccountEmail: `aws-root+${mgmt}@example.com`,
      AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
    },
    Roots: [
      {
        Id: org.rootId,
        Arn: rootArn,
        Name: 'Root',
        PolicyTypes: [
          { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
          { Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' },
        ],
      },
    ],
    OrganizationalUnits: org.ous.map((o) => ({
      Id: o.id,
      Arn: ouArn(o.id),
      Name: o.name,
      ParentId: org.rootId,
    })),
    Accounts: org.accounts.map((a) => ({
      Id: a.id,
      Arn: `arn:aws:organizations::${mgmt}:account/${org.orgId}/${a.id}`,
      Email: `aws+${a.name}@example.com`,
      Name: a.name,
      Status: 'ACTIVE',
      JoinedMethod: a.index === 0 ? 'CREATED' : 'INVITED',
      JoinedTimestamp: isoDaysAgo(1500 - a.index),
      ParentId: a.parent,
    })),
    Policies: [
      scp(
        'p-FullAWSAccess',
        'FullAWSAccess',
        'SERVICE_CONTROL_POLICY',
        policy(allow('*')),
        // AWS attaches FullAWSAccess to the root, every OU and every account by default; an
        // OU without an Allow would deny everything below it.
        [org.rootId, ...org.ous.map((o) => o.id), ...org.accounts.map((a) => a.id)],
        true,
      ),
      scp(
        'p-denyleaveorg',
        'DenyLeaveOrganization',
        'SERVICE_CONTROL_POLICY',
        policy({ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }),
        [org.rootId],
      ),
      scp(
        'p-denyregions',
        'DenyOutsideApprovedRegions',
        'SERVICE_CONTROL_POLICY',
        policy({
          Effect: 'Deny',
          NotAction: ['iam:*', 'sts:*', 'organizations:*', 'support:*', 'cloudfront:*', 'route53:*'],
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
        }),
        [ouId('NonProd'), ouId('Sandbox')],
      ),
      scp(
        'p-denyroot',
        'DenyRootUser',
        'SERVICE_CONTROL_POLICY',
        policy({
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
        }),
        [ouId('Prod'), ouId('Security')],
      ),
      scp(
        'p-rcp-tls',
        'EnforceSecureTransport',
        'RESOURCE_CONTROL_POLICY',
        policy({
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:*', 'sqs:*', 'kms:*'],
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } },
        }),
        [org.rootId],
      ),
    ],
  };
  await out.write(`${JSON.stringify(doc, null, 2)}\n`);
  await finish(ctx, out);
}

// ------------------------------------------------------------------ entry point

export function plantedSlots(accounts: number): number {
  return Math.max(1, Math.ceil(accounts / 20));
}

export async function generateAwsEstate(opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const def = ESTATE_SIZES[opts.size];
  const accounts = opts.accounts ?? def.accounts;
  const principals = opts.principals ?? def.principals;
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff)
    throw new Error(`seed ${opts.seed}: expected an integer between 0 and 4294967295`);
  const dir = path.resolve(opts.out);
  rmSync(path.join(dir, 'accounts'), { recursive: true, force: true });
  const org = planOrg(opts.seed, accounts, principals);
  const ctx: Ctx = {
    seed: opts.seed,
    org,
    files: {},
    bytes: 0,
    dir,
    counts: {
      accounts,
      users: 0,
      groups: 0,
      roles: 0,
      customerPolicies: 0,
      inlinePolicies: 0,
      trustPrincipals: 0,
      memberships: 0,
      attachments: 0,
      accessKeys: 0,
      functions: 0,
      instances: 0,
      buckets: 0,
      accessAdvisorEntries: 0,
      plantedPaths: 0,
    },
  };
  await writeOrganization(ctx);
  const slots = plantedSlots(accounts);
  // Slot k plants in account k*step and k*step+1; specs for a later account (cross-account
  // legs) are held until that account is written.
  const step = Math.max(1, Math.floor(accounts / slots));
  const pending = new Map<number, AccountSpec>();
  const emptySpec = (): AccountSpec => ({
    users: [],
    groups: [],
    roles: [],
    policies: [],
    functions: [],
    instances: [],
    planted: [],
  });
  const plantedOut = new OutFile(path.join(dir, 'planted.json'));
  await plantedOut.write(
    `{\n  "generator": "permgraph generate",\n  "size": "${opts.size}",\n  "seed": ${opts.seed},\n  "paths": `,
  );
  const planted = new JsonArrayWriter(plantedOut, '  ');
  await planted.open();
  for (const plan of org.accounts) {
    const spec = pending.get(plan.index) ?? emptySpec();
    pending.delete(plan.index);
    const rng = new Rng(opts.seed, `account:${plan.index}`);
    backgroundAccount(rng, plan, org, spec);
    for (let k = 0; k < slots; k++) {
      if (k * step !== plan.index) continue;
      // The cross-account leg goes to the next account (or stays home when there is none left).
      const bIndex = plan.index + 1 < accounts ? plan.index + 1 : plan.index;
      const specB = bIndex === plan.index ? spec : (pending.get(bIndex) ?? emptySpec());
      if (bIndex !== plan.index) pending.set(bIndex, specB);
      plantSlot(k, plan.id, org.accounts[bIndex]!.id, spec, specB);
    }
    for (const p of spec.planted) {
      ctx.counts.plantedPaths++;
      await planted.item(p);
    }
    await writeAccount(ctx, plan, spec, rng);
    opts.log?.(
      `account ${plan.index + 1}/${accounts} ${plan.id}: ${spec.users.length} users, ${spec.groups.length} groups, ${spec.roles.length} roles`,
    );
  }
  await planted.close('\n}\n');
  await finish(ctx, plantedOut);

  const manifest = {
    format: 'permgraph-aws-collection',
    version: 1,
    collectedAt: COLLECTED_AT,
    tool: `permgraph generate (generator v${GENERATOR_VERSION})`,
    organizationId: org.orgId,
    managementAccountId: org.accounts[0]!.id,
    accounts: org.accounts.map((a) => ({ id: a.id, complete: true })),
    generated: {
      size: opts.size,
      seed: opts.seed,
      principals: ctx.counts.users + ctx.counts.groups + ctx.counts.roles,
      counts: ctx.counts,
      files: Object.fromEntries(Object.entries(ctx.files).sort(([x], [y]) => x.localeCompare(y))),
    },
  };
  const mOut = new OutFile(path.join(dir, 'permgraph-aws-collection.json'));
  await mOut.write(`${JSON.stringify(manifest, null, 2)}\n`);
  await finish(ctx, mOut);
  return {
    dir,
    size: opts.size,
    seed: opts.seed,
    counts: ctx.counts,
    files: ctx.files,
    bytes: ctx.bytes,
    ms: Math.round(performance.now() - t0),
  };
}
