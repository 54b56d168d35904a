/**
 * A small AWS estate with planted risks for the analyses tests: a raw snapshot (collected
 * data) plus the derived layer (CAN_ACCESS, escalation edges, tier-zero marks) in the exact
 * shape the AWS derive writes (CONTRACTS.md), written through the same `loadDerived`.
 * Usage dates are relative to `now` so the 90-day window is deterministic.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Graph } from '../../cypher/db/graph.js';
import { type DerivedEdge, loadDerived, type TierZeroMark } from '../../ingest/load/derived.js';
import type { ProviderModule } from '../../ingest/pipeline.js';
import type { Snapshot } from '../../ingest/snapshot/types.js';

export const ACCT = '111111111111';
export const FOREIGN = '222222222222';
const arn = (kind: string, name: string) => `arn:aws:iam::${ACCT}:${kind}/${name}`;

export const ID = {
  root: `arn:aws:iam::${ACCT}:root`,
  foreignRoot: `arn:aws:iam::${FOREIGN}:root`,
  admin: `aws-admin:${ACCT}`,
  alice: arn('user', 'alice'),
  bob: arn('user', 'bob'),
  carol: arn('user', 'carol'),
  dave: arn('user', 'dave'),
  erin: arn('user', 'erin'),
  devs: arn('group', 'devs'),
  admins: arn('group', 'admins'),
  deploy: arn('role', 'deploy'),
  lambdaAdmin: arn('role', 'lambda-admin'),
  extRole: arn('role', 'ext-role'),
  publicRole: arn('role', 'public-role'),
  oidcRole: arn('role', 'oidc-role'),
  anyone: '*',
  lambdaSvc: 'lambda.amazonaws.com',
  oidc: `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`,
  aliceOldKey: `${arn('user', 'alice')}#accesskey:AKIAALICEOLD`,
  aliceNewKey: `${arn('user', 'alice')}#accesskey:AKIAALICENEW`,
  daveInline: `${arn('user', 'dave')}#inline:everything`,
  unusedPolicy: `arn:aws:iam::${ACCT}:policy/unused`,
  publicBucket: 'arn:aws:s3:::public-bucket',
  sharedBucket: 'arn:aws:s3:::shared-bucket',
  fn: `arn:aws:lambda:us-east-1:${ACCT}:function:admin-fn`,
} as const;

const daysAgo = (now: Date, d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

export function estateSnapshot(now: Date, scanId = 'analyses-estate-1'): Snapshot {
  const recent = daysAgo(now, 10);
  const old = daysAgo(now, 200);
  const user = (id: string, name: string, props: Record<string, unknown>) => ({
    id,
    kind: 'AWSUser' as const,
    name,
    account: ACCT,
    props: { arn: id, ...props },
  });
  const role = (id: string, name: string, props: Record<string, unknown> = {}) => ({
    id,
    kind: 'AWSRole' as const,
    name,
    account: ACCT,
    props: { arn: id, ...props },
  });
  return {
    schemaVersion: '1.0',
    scanId,
    provider: 'aws',
    createdAt: now.toISOString(),
    source: { kind: 'fixture' },
    scopes: [
      { id: `aws:${ACCT}`, provider: 'aws', kind: 'account', name: 'prod', complete: true },
      { id: 'aws:global', provider: 'aws', kind: 'global', complete: true },
    ],
    nodes: [
      {
        id: ID.root,
        kind: 'AWSAccount',
        name: ACCT,
        account: ACCT,
        scope: `aws:${ACCT}`,
        props: { accountId: ACCT, collected: true },
      },
      {
        id: ID.foreignRoot,
        kind: 'AWSAccount',
        name: FOREIGN,
        account: FOREIGN,
        scope: `aws:${FOREIGN}`,
        stub: true,
      },
      {
        id: ID.admin,
        kind: 'AWSAdmin',
        name: `admin of ${ACCT}`,
        account: ACCT,
        scope: `aws:${ACCT}`,
        props: { accountId: ACCT },
      },
      user(ID.alice, 'alice', { mfaEnabled: false, hasLoginProfile: true, passwordLastUsed: recent }),
      user(ID.bob, 'bob', { mfaEnabled: true, hasLoginProfile: true, passwordLastUsed: old }),
      user(ID.carol, 'carol', { mfaEnabled: false, hasLoginProfile: true }),
      user(ID.dave, 'dave', { mfaEnabled: true, hasLoginProfile: false }),
      user(ID.erin, 'erin', { mfaEnabled: true, hasLoginProfile: true, passwordLastUsed: recent }),
      { id: ID.devs, kind: 'AWSGroup', name: 'devs', account: ACCT, props: { arn: ID.devs } },
      { id: ID.admins, kind: 'AWSGroup', name: 'admins', account: ACCT, props: { arn: ID.admins } },
      role(ID.deploy, 'deploy'),
      role(ID.lambdaAdmin, 'lambda-admin'),
      role(ID.extRole, 'ext-role'),
      role(ID.publicRole, 'public-role'),
      role(ID.oidcRole, 'oidc-role'),
      {
        id: ID.anyone,
        kind: 'AWSExternalPrincipal',
        name: 'anyone',
        scope: 'aws:global',
        props: { arn: '*', isPublic: true },
      },
      {
        id: ID.lambdaSvc,
        kind: 'AWSServicePrincipal',
        name: ID.lambdaSvc,
        scope: 'aws:global',
        props: { service: ID.lambdaSvc },
      },
      {
        id: ID.oidc,
        kind: 'AWSIdentityProvider',
        name: 'github',
        account: ACCT,
        props: { arn: ID.oidc, providerType: 'OIDC', url: 'https://token.actions.githubusercontent.com' },
      },
      {
        id: ID.aliceOldKey,
        kind: 'AWSAccessKey',
        name: 'AKIAALICEOLD',
        account: ACCT,
        props: { accessKeyId: 'AKIAALICEOLD', status: 'Active', createDate: daysAgo(now, 400) },
      },
      {
        id: ID.aliceNewKey,
        kind: 'AWSAccessKey',
        name: 'AKIAALICENEW',
        account: ACCT,
        props: { accessKeyId: 'AKIAALICENEW', status: 'Active', createDate: daysAgo(now, 30) },
      },
      {
        id: ID.daveInline,
        kind: 'AWSInlinePolicy',
        name: 'everything',
        account: ACCT,
        props: {
          policyName: 'everything',
          ownerArn: ID.dave,
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        },
      },
      {
        id: ID.unusedPolicy,
        kind: 'AWSPolicy',
        name: 'unused',
        account: ACCT,
        props: { arn: ID.unusedPolicy, policyType: 'managed', awsManaged: false, attachmentCount: 0 },
      },
      {
        id: ID.publicBucket,
        kind: 'AWSS3Bucket',
        name: 'public-bucket',
        account: ACCT,
        props: { arn: ID.publicBucket, publicAccess: true },
      },
      {
        id: ID.sharedBucket,
        kind: 'AWSS3Bucket',
        name: 'shared-bucket',
        account: ACCT,
        props: { arn: ID.sharedBucket, crossAccountAccess: true },
      },
      {
        id: ID.fn,
        kind: 'AWSLambdaFunction',
        name: 'admin-fn',
        account: ACCT,
        props: { arn: ID.fn, roleArn: ID.lambdaAdmin },
      },
    ],
    edges: [
      { type: 'AWS_MEMBER_OF', source: ID.alice, target: ID.devs },
      { type: 'AWS_MEMBER_OF', source: ID.bob, target: ID.admins },
      { type: 'AWS_MEMBER_OF', source: ID.erin, target: ID.devs },
      { type: 'AWS_HAS_POLICY', source: ID.dave, target: ID.daveInline, props: { attachment: 'inline' } },
      { type: 'AWS_HAS_ACCESS_KEY', source: ID.alice, target: ID.aliceOldKey },
      { type: 'AWS_HAS_ACCESS_KEY', source: ID.alice, target: ID.aliceNewKey },
      {
        type: 'AWS_TRUSTS',
        source: ID.deploy,
        target: ID.root,
        key: '0',
        props: { statement: '0', action: 'sts:AssumeRole' },
      },
      {
        type: 'AWS_TRUSTS',
        source: ID.lambdaAdmin,
        target: ID.lambdaSvc,
        key: '0',
        props: { statement: '0', action: 'sts:AssumeRole' },
      },
      {
        type: 'AWS_TRUSTS',
        source: ID.extRole,
        target: ID.foreignRoot,
        key: '0',
        props: { statement: '0', action: 'sts:AssumeRole' },
      },
      {
        type: 'AWS_TRUSTS',
        source: ID.publicRole,
        target: ID.anyone,
        key: '0',
        props: { statement: '0', action: 'sts:AssumeRole' },
      },
      {
        type: 'AWS_TRUSTS',
        source: ID.oidcRole,
        target: ID.oidc,
        key: '0',
        props: { statement: '0', action: 'sts:AssumeRoleWithWebIdentity' },
      },
      { type: 'AWS_RUNS_AS', source: ID.fn, target: ID.lambdaAdmin, props: { roleKind: 'execution' } },
    ],
    usage: [
      { subject: ID.alice, lastUsed: recent, source: 'fixture' },
      { subject: ID.alice, service: 's3', lastUsed: recent, source: 'fixture' },
      { subject: ID.alice, service: 'iam', lastUsed: null, source: 'fixture' },
      { subject: ID.bob, lastUsed: old, source: 'fixture' },
      { subject: ID.dave, lastUsed: recent, source: 'fixture' },
      { subject: ID.dave, action: 'iam:PutUserPolicy', lastUsed: recent, source: 'fixture' },
      { subject: ID.dave, action: 's3:GetObject', lastUsed: recent, source: 'fixture' },
      { subject: ID.erin, lastUsed: recent, source: 'fixture' },
      { subject: ID.erin, service: 's3', lastUsed: old, source: 'fixture' },
      { subject: ID.deploy, lastUsed: recent, source: 'fixture' },
      { subject: ID.lambdaAdmin, lastUsed: old, source: 'fixture' },
      { subject: ID.extRole, lastUsed: null, source: 'fixture' },
      { subject: ID.publicRole, lastUsed: recent, source: 'fixture' },
      { subject: ID.aliceOldKey, lastUsed: old, source: 'fixture' },
      { subject: ID.aliceNewKey, lastUsed: recent, source: 'fixture' },
    ],
    gaps: [],
  };
}

export function writeEstate(dir: string, now: Date, scanId?: string): string {
  const file = path.join(dir, `${scanId ?? 'analyses-estate-1'}.json`);
  const snap = estateSnapshot(now, scanId);
  for (const n of snap.nodes) n.scope ??= `aws:${ACCT}`;
  for (const e of snap.edges) e.scope ??= `aws:${ACCT}`;
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

/** The derived layer. `withErinPath` adds one escalation path (erin -> account admin). */
export function estateDerived(
  now: Date,
  opts: { withErinPath?: boolean } = {},
): { edges: DerivedEdge[]; tierZero: TierZeroMark[] } {
  const recent = daysAgo(now, 10);
  const old = daysAgo(now, 200);
  const access = (
    source: string,
    target: string,
    service: string,
    p: Record<string, unknown>,
  ): DerivedEdge => ({
    type: 'CAN_ACCESS',
    source,
    target,
    key: service,
    props: { derived: true, service, ...p } as DerivedEdge['props'],
  });
  const admin = (source: string, usage: Record<string, unknown>) =>
    access(source, ID.root, '*', {
      actions: ['*'],
      actionCount: 15000,
      highRiskActions: ['iam:PutUserPolicy', 'iam:AttachUserPolicy', 's3:DeleteBucket'],
      highRiskCount: 5000,
      allResources: true,
      resources: ['*'],
      accessLevels: ['List', 'Read', 'Write', 'Permissions management', 'Tagging'],
      ...usage,
    });
  const s3 = {
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    actionCount: 40,
    highRiskActions: ['s3:PutObject', 's3:DeleteObject'],
    highRiskCount: 20,
    allResources: false,
    resources: [`${ID.sharedBucket}/*`],
    accessLevels: ['Read', 'Write'],
  };
  const iam = {
    actions: ['iam:PassRole', 'iam:CreatePolicy', 'iam:AttachRolePolicy', 'iam:ListRoles'],
    actionCount: 31,
    highRiskActions: ['iam:PassRole', 'iam:CreatePolicy', 'iam:AttachRolePolicy'],
    highRiskCount: 30,
    allResources: true,
    resources: ['*'],
    accessLevels: ['List', 'Write', 'Permissions management'],
  };
  const esc = (
    type: DerivedEdge['type'],
    source: string,
    target: string,
    technique: string,
    reason: string,
    extra: Record<string, unknown> = {},
  ): DerivedEdge => ({
    type,
    source,
    target,
    key: technique,
    props: {
      derived: true,
      technique,
      reason,
      grantedBy: [{ policy: 'fixture-policy', statement: '0', action: reason.split(' ')[0] ?? '' }],
      conditional: false,
      ...extra,
    } as DerivedEdge['props'],
  });
  const edges: DerivedEdge[] = [
    admin(ID.admins, {}),
    admin(ID.bob, { usageKnown: true, lastUsed: old }),
    admin(ID.dave, { usageKnown: true, lastUsed: recent }),
    admin(ID.lambdaAdmin, { usageKnown: true, lastUsed: old }),
    access(ID.devs, ID.sharedBucket, 's3', s3),
    access(ID.alice, ID.sharedBucket, 's3', {
      ...s3,
      usageKnown: true,
      lastUsed: recent,
      usedActions: ['s3:GetObject'],
    }),
    access(ID.erin, ID.sharedBucket, 's3', { ...s3, usageKnown: true, lastUsed: old }),
    access(ID.alice, ID.root, 'iam', { ...iam, usageKnown: true, lastUsed: null }),
    access(ID.deploy, ID.root, 'iam', {
      ...iam,
      actions: ['iam:PassRole'],
      actionCount: 1,
      highRiskActions: ['iam:PassRole'],
      highRiskCount: 1,
      accessLevels: ['Write'],
      usageKnown: true,
      lastUsed: recent,
    }),
    access(ID.carol, ID.fn, 'lambda', {
      actions: ['lambda:UpdateFunctionCode', 'lambda:GetFunction'],
      actionCount: 2,
      highRiskActions: ['lambda:UpdateFunctionCode'],
      highRiskCount: 10,
      allResources: false,
      resources: [ID.fn],
      accessLevels: ['Read', 'Write'],
    }),
    access(ID.anyone, ID.publicBucket, 's3', {
      actions: ['s3:GetObject'],
      actionCount: 1,
      highRiskActions: [],
      highRiskCount: 0,
      isPublic: true,
      viaResourcePolicy: true,
      resources: [`${ID.publicBucket}/*`],
      accessLevels: ['Read'],
    }),
    access(ID.foreignRoot, ID.sharedBucket, 's3', {
      actions: ['s3:GetObject', 's3:PutObject'],
      actionCount: 2,
      highRiskActions: ['s3:PutObject'],
      highRiskCount: 1,
      crossAccount: true,
      viaResourcePolicy: true,
      resources: [`${ID.sharedBucket}/*`],
      accessLevels: ['Read', 'Write'],
    }),
    esc(
      'AWS_ASSUME_ROLE',
      ID.alice,
      ID.deploy,
      'sts-001',
      'sts:AssumeRole allowed by the trust of deploy (account root) and alice policy',
    ),
    esc(
      'AWS_PASSROLE_VIA',
      ID.deploy,
      ID.lambdaAdmin,
      'lambda-001',
      'iam:PassRole + lambda:CreateFunction: run code as lambda-admin',
      {
        svc: 'lambda',
      },
    ),
    esc(
      'AWS_ASSUME_ROLE',
      ID.anyone,
      ID.publicRole,
      'sts-001',
      'sts:AssumeRole: the trust of public-role admits anyone',
    ),
    esc('AWS_CREATE_ACCESS_KEY', ID.carol, ID.dave, 'iam-002', 'iam:CreateAccessKey on dave', {
      conditional: true,
      conditions: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    }),
    esc(
      'AWS_HIJACK_RESOURCE',
      ID.carol,
      ID.lambdaAdmin,
      'lambda-003',
      'lambda:UpdateFunctionCode on admin-fn, which runs as lambda-admin',
      {
        via: ID.fn,
      },
    ),
  ];
  if (opts.withErinPath) {
    edges.push(
      esc(
        'AWS_ATTACH_POLICY',
        ID.erin,
        ID.admin,
        'iam-008',
        'iam:AttachUserPolicy on erin itself: attach AdministratorAccess',
      ),
    );
  }
  const tierZero: TierZeroMark[] = [
    { id: ID.admin, reason: 'aws-admin-node' },
    { id: ID.admins, reason: 'aws-admin-star' },
    { id: ID.bob, reason: 'aws-admin-star' },
    { id: ID.dave, reason: 'aws-admin-star' },
    { id: ID.lambdaAdmin, reason: 'aws-admin-star' },
  ];
  return { edges, tierZero };
}

let runSeq = 0;
export async function applyDerived(
  graph: Graph,
  now: Date,
  opts: { withErinPath?: boolean } = {},
): Promise<void> {
  const { edges, tierZero } = estateDerived(now, opts);
  runSeq += 1;
  await loadDerived(graph, 'aws', `fixture-derive-${Date.now()}-${runSeq}`, edges, tierZero);
}

/** A provider module whose derive writes the fixture's derived layer (variant switchable). */
export function fixtureProvider(now: Date): ProviderModule & { variant: { withErinPath: boolean } } {
  const variant = { withErinPath: false };
  return {
    provider: 'aws',
    formats: [],
    variant,
    async derive(graph) {
      const t0 = Date.now();
      const { edges, tierZero } = estateDerived(now, variant);
      runSeq += 1;
      const run = `fixture-derive-${Date.now()}-${runSeq}`;
      const r = await loadDerived(graph, 'aws', run, edges, tierZero);
      return { provider: 'aws', run, edges: r.edges, tierZero: r.tierZero, ms: Date.now() - t0 };
    },
  };
}

// ---------------------------------------------------------------- Azure and GCP parts

export const TENANT = 'tenant-1';
export const PROJECT = 'proj-1';
export const AZ = {
  guest: `${TENANT}/user/guest`,
  gaUser: `${TENANT}/user/ga`,
  pimUser: `${TENANT}/user/pim`,
  gaRole: `${TENANT}/role/62e90394-69f5-4237-9190-012177145e10`,
} as const;
export const GCP = {
  defaultSa: `serviceAccount:${PROJECT}-compute@developer.gserviceaccount.com`,
  saA: `serviceAccount:a@${PROJECT}.iam.gserviceaccount.com`,
  saB: `serviceAccount:b@${PROJECT}.iam.gserviceaccount.com`,
  user: 'user:dev@example.com',
  allUsers: 'allUsers',
  fn: `//cloudfunctions.googleapis.com/projects/${PROJECT}/locations/us-central1/functions/public-fn`,
  pool: `//iam.googleapis.com/projects/${PROJECT}/locations/global/workloadIdentityPools/aws-pool`,
} as const;

export function azureSnapshot(now: Date): Snapshot {
  const scope = `azure:${TENANT}`;
  const user = (id: string, name: string, props: Record<string, unknown>) => ({
    id,
    kind: 'AZUser' as const,
    name,
    account: TENANT,
    tenant: TENANT,
    scope,
    props: { tenantId: TENANT, enabled: true, ...props },
  });
  return {
    schemaVersion: '1.0',
    scanId: 'analyses-azure-1',
    provider: 'azure',
    createdAt: now.toISOString(),
    source: { kind: 'fixture' },
    scopes: [{ id: scope, provider: 'azure', kind: 'tenant', complete: true }],
    nodes: [
      user(AZ.guest, 'guest', { userType: 'Guest', mfaRegistered: false }),
      user(AZ.gaUser, 'ga', { userType: 'Member', mfaRegistered: true }),
      user(AZ.pimUser, 'pim', { userType: 'Member', mfaRegistered: true }),
      {
        id: AZ.gaRole,
        kind: 'AZRole',
        name: 'Global Administrator',
        account: TENANT,
        scope,
        props: {
          templateId: '62e90394-69f5-4237-9190-012177145e10',
          displayName: 'Global Administrator',
          isBuiltIn: true,
        },
      },
    ],
    edges: [
      { type: 'AZHasRole', source: AZ.gaUser, target: AZ.gaRole, scope, props: { scopeId: '/' } },
      {
        type: 'AZRoleEligible',
        source: AZ.pimUser,
        target: AZ.gaRole,
        scope,
        props: { scopeId: '/', requiresApproval: true },
      },
    ],
    usage: [],
    gaps: [],
  };
}

export function gcpSnapshot(now: Date): Snapshot {
  const scope = `gcp:projects/${PROJECT}`;
  const sa = (id: string, name: string, props: Record<string, unknown> = {}) => ({
    id,
    kind: 'GCPServiceAccount' as const,
    name,
    account: PROJECT,
    scope,
    props: { projectId: PROJECT, email: id.replace('serviceAccount:', ''), ...props },
  });
  return {
    schemaVersion: '1.0',
    scanId: 'analyses-gcp-1',
    provider: 'gcp',
    createdAt: now.toISOString(),
    source: { kind: 'fixture' },
    scopes: [{ id: scope, provider: 'gcp', kind: 'project', complete: true }],
    nodes: [
      sa(GCP.defaultSa, 'compute default', { defaultAccount: true, autoEditor: true }),
      sa(GCP.saA, 'a'),
      sa(GCP.saB, 'b'),
      {
        id: GCP.user,
        kind: 'GCPUser',
        name: 'dev@example.com',
        account: PROJECT,
        scope,
        props: { email: 'dev@example.com' },
      },
      {
        id: GCP.allUsers,
        kind: 'GCPPublic',
        name: 'allUsers',
        account: PROJECT,
        scope,
        props: { member: 'allUsers' },
      },
      {
        id: GCP.fn,
        kind: 'GCPFunction',
        name: 'public-fn',
        account: PROJECT,
        scope,
        props: { projectId: PROJECT },
      },
      {
        id: GCP.pool,
        kind: 'GCPWorkloadIdentityPool',
        name: 'aws-pool',
        account: PROJECT,
        scope,
        props: { projectId: PROJECT },
      },
      {
        id: ID.oidc,
        kind: 'AWSIdentityProvider',
        name: 'github',
        account: ACCT,
        scope: `aws:${ACCT}`,
        stub: true,
      },
    ],
    edges: [
      {
        type: 'FEDERATES_TO',
        source: ID.oidc,
        target: GCP.pool,
        scope,
        props: { issuer: 'https://token.actions.githubusercontent.com' },
      },
    ],
    usage: [],
    gaps: [],
  };
}

export async function applyMultiCloudDerived(graph: Graph): Promise<void> {
  runSeq += 1;
  const e = (
    type: DerivedEdge['type'],
    source: string,
    target: string,
    technique: string,
    reason: string,
  ): DerivedEdge => ({
    type,
    source,
    target,
    key: technique,
    props: { derived: true, technique, reason, conditional: false } as DerivedEdge['props'],
  });
  await loadDerived(
    graph,
    'azure',
    `fixture-azure-${runSeq}`,
    [e('AZResetPassword', AZ.guest, AZ.gaUser, 'AZ-04', 'Guest holds Helpdesk Administrator over ga')],
    [
      { id: AZ.gaUser, reason: 'az-entra-role' },
      { id: AZ.gaRole, reason: 'az-entra-role' },
    ],
  );
  await loadDerived(
    graph,
    'gcp',
    `fixture-gcp-${runSeq}`,
    [
      e('GCP_GET_ACCESS_TOKEN', GCP.user, GCP.saA, 'GCP-06', 'iam.serviceAccounts.getAccessToken on a'),
      e('GCP_GET_ACCESS_TOKEN', GCP.saA, GCP.saB, 'GCP-06', 'iam.serviceAccounts.getAccessToken on b'),
      {
        type: 'CAN_ACCESS',
        source: GCP.allUsers,
        target: GCP.fn,
        key: 'cloudfunctions',
        props: {
          derived: true,
          service: 'cloudfunctions',
          actions: ['cloudfunctions.functions.call'],
          actionCount: 1,
          highRiskCount: 0,
          isPublic: true,
        } as DerivedEdge['props'],
      },
    ],
    [],
  );
}

export function writeSnapshot(dir: string, snap: Snapshot): string {
  const file = path.join(dir, `${snap.scanId}.json`);
  writeFileSync(file, JSON.stringify(snap));
  return file;
}
