import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authDetailsFormat, collectionFormat } from '../../ingest/aws/import/index.js';
import { readPolicyDocument } from '../../ingest/aws/import/policy-document.js';
import { awsProvider } from '../../ingest/aws/index.js';
import { detectFormat, type ImportContext, registerProvider } from '../../ingest/pipeline.js';
import { validateSnapshotFile } from '../../ingest/snapshot/read.js';
import type { Snapshot, SnapshotEdge, SnapshotNode } from '../../ingest/snapshot/types.js';

registerProvider(awsProvider);

const FIX = 'test/fixtures/aws';
const A = '111111111111';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'pg-awsimp-'));
const ctx = (): ImportContext => ({ outDir: tmp(), log: () => {}, now: new Date('2026-12-01T00:00:00Z') });

async function convert(files: string[], format = authDetailsFormat) {
  const r = await format.toSnapshots(files, ctx());
  const snaps: Snapshot[] = [];
  for (const s of r.snapshots) {
    await validateSnapshotFile(s); // every snapshot the importer writes is valid
    snaps.push(JSON.parse(readFileSync(s, 'utf8')) as Snapshot);
  }
  return { ...r, snaps };
}

const node = (s: Snapshot, id: string): SnapshotNode | undefined => s.nodes.find((n) => n.id === id);
const edges = (s: Snapshot, type: string, source?: string): SnapshotEdge[] =>
  s.edges.filter((e) => e.type === type && (source === undefined || e.source === source));

describe('AWS authorization details import', () => {
  it('recognises authorization details and names a file that is not', () => {
    expect(detectFormat(`${FIX}/auth-details-basic.json`)).toMatchObject({
      kind: 'format',
      format: { id: 'aws-authorization-details' },
    });
    expect(() => detectFormat(`${FIX}/not-auth-details.json`)).toThrow(
      /not-auth-details\.json: not a recognised input/,
    );
  });

  it('a file that looks like authorization details but is not fails naming the file and JSON path', async () => {
    const dir = tmp();
    const f = path.join(dir, 'odd.json');
    writeFileSync(f, JSON.stringify({ RoleDetailList: [], Users: [{ UserName: 'x' }] }));
    await expect(authDetailsFormat.toSnapshots([f], ctx())).rejects.toThrow(
      /odd\.json: \$\.Users is not part of IAM authorization details/,
    );
    const g = path.join(dir, 'roles.json');
    writeFileSync(g, JSON.stringify({ RoleDetailList: [{ RoleName: 'r' }] }));
    await expect(authDetailsFormat.toSnapshots([g], ctx())).rejects.toThrow(
      /roles\.json: \$\.RoleDetailList\[0\]\.Arn is missing/,
    );
  });

  it('converts users, groups, roles, policies, boundaries, profiles, tags and last use', async () => {
    const { snaps, warnings } = await convert([`${FIX}/auth-details-basic.json`]);
    expect(warnings).toEqual([]);
    expect(snaps).toHaveLength(1);
    const s = snaps[0]!;
    expect(s.scopes).toEqual([
      { id: `aws:${A}`, provider: 'aws', kind: 'account', name: A, complete: true },
      { id: 'aws:global', provider: 'aws', kind: 'global', complete: true },
    ]);
    const alice = node(s, `arn:aws:iam::${A}:user/alice`)!;
    expect(alice.props).toMatchObject({
      userId: 'AIDAALICE',
      tags: { team: 'platform' },
      permissionsBoundary: `arn:aws:iam::${A}:policy/boundary`,
    });
    // URL-encoded inline document decoded into an object
    expect(node(s, `arn:aws:iam::${A}:user/alice#inline:s3-builds`)!.props!.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::builds/*' },
      ],
    });
    // group paths resolved from names
    expect(edges(s, 'AWS_MEMBER_OF').map((e) => [e.source.split('/').pop(), e.target])).toEqual([
      ['alice', `arn:aws:iam::${A}:group/eng/devs`],
      ['bob', `arn:aws:iam::${A}:group/eng/devs`],
      ['bob', `arn:aws:iam::${A}:group/admins`],
    ]);
    // only the default version is in force; others kept in versions
    const pass = node(s, `arn:aws:iam::${A}:policy/PassAny`)!;
    expect(pass.props!.defaultVersionId).toBe('v2');
    expect(pass.props!.document).toEqual({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
    });
    expect(pass.props!.versions).toEqual([
      {
        versionId: 'v1',
        createDate: '2024-01-01T00:00:00.000Z',
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      },
    ]);
    // AWS-managed policies belong to the global scope; unlisted ones are stubs
    expect(node(s, 'arn:aws:iam::aws:policy/AdministratorAccess')).toMatchObject({
      scope: 'aws:global',
      account: null,
    });
    expect(node(s, 'arn:aws:iam::aws:policy/ReadOnlyAccess')).toMatchObject({
      scope: 'aws:global',
      stub: true,
    });
    const deploy = `arn:aws:iam::${A}:role/deploy`;
    expect(node(s, deploy)!.props).toMatchObject({
      lastUsed: '2026-10-30T12:00:00.000Z',
      usageKnown: true,
      lastUsedRegion: 'eu-west-1',
      tags: { env: 'prod' },
      serviceLinked: false,
    });
    expect(node(s, `arn:aws:iam::${A}:role/sso-admin`)!.props).toMatchObject({
      lastUsed: null,
      usageKnown: true,
    });
    expect(edges(s, 'AWS_HAS_BOUNDARY').map((e) => e.target)).toEqual([
      `arn:aws:iam::${A}:policy/boundary`,
      `arn:aws:iam::${A}:policy/boundary`,
    ]);
    expect(edges(s, 'AWS_PROFILE_HAS_ROLE')).toEqual([
      {
        type: 'AWS_PROFILE_HAS_ROLE',
        source: `arn:aws:iam::${A}:instance-profile/deploy-profile`,
        target: deploy,
      },
    ]);
    expect(node(s, `aws-admin:${A}`)).toMatchObject({ kind: 'AWSAdmin' });
    expect(node(s, `arn:aws:iam::${A}:root`)!.props).toMatchObject({ accountId: A, collected: true });
  });

  it('turns trust policies into AWS_TRUSTS edges with stubs and external nodes', async () => {
    const { snaps } = await convert([`${FIX}/auth-details-basic.json`]);
    const s = snaps[0]!;
    const trusts = (role: string) =>
      edges(s, 'AWS_TRUSTS', `arn:aws:iam::${A}:role/${role}`).map((e) => [e.target, e.key, e.props!.action]);
    expect(trusts('deploy')).toEqual([
      [`arn:aws:iam::${A}:root`, '0', 'sts:AssumeRole'],
      ['lambda.amazonaws.com', '1', 'sts:AssumeRole'],
      ['ec2.amazonaws.com', '1', 'sts:AssumeRole'],
      ['arn:aws:iam::222222222222:role/ci', '2', 'sts:AssumeRole'],
      ['arn:aws:iam::999999999999:root', '2', 'sts:AssumeRole'],
    ]); // the Deny statement stays in the document only
    expect(
      edges(s, 'AWS_TRUSTS').find((e) => e.target === 'arn:aws:iam::999999999999:root')!.props!.conditions,
    ).toEqual({
      StringEquals: { 'sts:ExternalId': 'x' },
    });
    expect(node(s, 'arn:aws:iam::222222222222:role/ci')).toMatchObject({
      stub: true,
      scope: 'aws:222222222222',
    });
    expect(node(s, 'arn:aws:iam::999999999999:root')).toMatchObject({ kind: 'AWSAccount', stub: true });
    expect(node(s, 'lambda.amazonaws.com')).toMatchObject({
      kind: 'AWSServicePrincipal',
      scope: 'aws:global',
    });
    expect(trusts('sso-admin')).toEqual([
      [`arn:aws:iam::${A}:saml-provider/okta`, '0', 'sts:AssumeRoleWithSAML'],
      [
        `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`,
        '1',
        'sts:AssumeRoleWithWebIdentity',
      ],
    ]);
    expect(
      node(s, `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`)!.props,
    ).toMatchObject({
      providerType: 'OIDC',
      url: 'https://token.actions.githubusercontent.com',
    });
    // "Principal": "*" -> the public external principal; sts:TagSession alone grants no assume
    expect(trusts('aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport')).toEqual([
      ['*', '0', 'sts:AssumeRole'],
    ]);
    expect(node(s, '*')).toMatchObject({ kind: 'AWSExternalPrincipal', props: { isPublic: true } });
  });

  it('quarantines a broken policy document with file and JSON path, marks the account partial, imports the rest', async () => {
    const { snaps, warnings } = await convert([`${FIX}/auth-details-broken-policy.json`]);
    const s = snaps[0]!;
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /auth-details-broken-policy\.json: \$\.Policies\[0\]\.PolicyVersionList\[0\]\.Document: not valid JSON/,
        ),
        expect.stringMatching(
          /auth-details-broken-policy\.json: \$\.Policies\[1\]\.PolicyVersionList\[0\]\.Document\.Statement\[0\]\.Effect: Effect must be "Allow" or "Deny"/,
        ),
      ]),
    );
    expect(s.gaps.map((g) => [g.reason, g.resource])).toEqual([
      ['Quarantined', `arn:aws:iam::${A}:policy/PassAny`],
      ['Quarantined', `arn:aws:iam::${A}:policy/boundary`],
    ]);
    expect(s.scopes[0]!.complete).toBe(false);
    // the policy is kept as a stub (no document), its attachments and everything else import
    expect(node(s, `arn:aws:iam::${A}:policy/PassAny`)).toMatchObject({ stub: true });
    expect(edges(s, 'AWS_HAS_POLICY', `arn:aws:iam::${A}:user/alice`).map((e) => e.target)).toContain(
      `arn:aws:iam::${A}:policy/PassAny`,
    );
    expect(node(s, `arn:aws:iam::${A}:role/deploy`)!.props!.trustPolicy).toBeTruthy();
    expect(s.nodes.filter((n) => n.kind === 'AWSUser')).toHaveLength(2);
  });

  it('imports several accounts together, one snapshot each', async () => {
    const { snaps } = await convert([
      `${FIX}/auth-details-basic.json`,
      `${FIX}/auth-details-second-account.json`,
    ]);
    expect(snaps.map((s) => s.scopes[0]!.id)).toEqual([`aws:${A}`, 'aws:222222222222']);
    const b = snaps[1]!;
    expect(edges(b, 'AWS_TRUSTS').map((e) => e.target)).toEqual([`arn:aws:iam::${A}:role/deploy`]);
    expect(node(b, `arn:aws:iam::${A}:role/deploy`)).toMatchObject({ stub: true, scope: `aws:${A}` });
    // the scan id differs per account and per content
    expect(new Set(snaps.map((s) => s.scanId)).size).toBe(2);
  });

  it('reads documents as objects or URL-encoded strings and names the path of a defect', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    expect(readPolicyDocument(doc, '$.x')).toEqual({ ok: true, doc });
    expect(readPolicyDocument(encodeURIComponent(JSON.stringify(doc)), '$.x')).toEqual({ ok: true, doc });
    expect(readPolicyDocument(JSON.stringify(doc), '$.x')).toEqual({ ok: true, doc });
    expect(readPolicyDocument({ Statement: [{ Effect: 'Allow', Resource: '*' }] }, '$.p')).toMatchObject({
      ok: false,
      path: '$.p.Statement[0].Action',
    });
    expect(readPolicyDocument({ Statement: [{ Effect: 'Allow', Action: 3 }] }, '$.p')).toMatchObject({
      ok: false,
      path: '$.p.Statement[0].Action',
    });
    expect(readPolicyDocument('%7B%22Version', '$.p')).toMatchObject({ ok: false, path: '$.p' });
  });
});

describe('AWS collection directory import', () => {
  it('is recognised as a directory input', () => {
    expect(detectFormat(`${FIX}/collection`)).toMatchObject({
      kind: 'format',
      format: { id: 'aws-collection' },
    });
    expect(() => detectFormat(FIX)).toThrow(/no provider recognises/);
  });

  it('converts organization, accounts, usage, keys, credential report and resources', async () => {
    const { snaps, warnings } = await convert([`${FIX}/collection`], collectionFormat);
    expect(snaps.map((s) => s.scopes.map((x) => `${x.id}:${x.complete}`))).toEqual([
      ['aws:o-a1b2c3d4e5:true', 'aws:global:true'],
      [`aws:${A}:true`, 'aws:global:true'],
      ['aws:222222222222:false', 'aws:global:true'],
    ]);
    expect(warnings).toEqual([expect.stringMatching(/aws:222222222222: collection was partial/)]);
    const [org, a, b] = snaps as [Snapshot, Snapshot, Snapshot];

    // organization: root -> OU -> OU -> account, SCPs and RCPs with targets
    const orgId = `arn:aws:organizations::${A}:organization/o-a1b2c3d4e5`;
    expect(node(org, orgId)!.props).toMatchObject({ orgId: 'o-a1b2c3d4e5', managementAccountId: A });
    const contains = edges(org, 'AWS_CONTAINS').map((e) => [
      e.source.split('/').pop(),
      e.target.split('/').pop(),
    ]);
    expect(contains).toEqual(
      expect.arrayContaining([
        ['o-a1b2c3d4e5', 'r-ab12'],
        ['r-ab12', 'ou-ab12-prod0001'],
        ['ou-ab12-prod0001', 'ou-ab12-apps0001'],
        ['ou-ab12-apps0001', 'arn:aws:iam::222222222222:root'],
      ]),
    );
    expect(node(org, 'arn:aws:iam::222222222222:root')).toMatchObject({
      stub: true,
      scope: 'aws:222222222222',
      name: 'prod',
    });
    const orgPolicies = edges(org, 'AWS_HAS_ORG_POLICY').map((e) => [
      e.source.split('/').pop(),
      e.target.split('/').pop(),
      e.props!.policyType,
    ]);
    expect(orgPolicies).toEqual([
      ['r-ab12', 'p-FullAWSAccess', 'scp'],
      ['arn:aws:iam::222222222222:root', 'p-FullAWSAccess', 'scp'],
      ['ou-ab12-prod0001', 'p-deny1234', 'scp'],
      ['r-ab12', 'p-rcp12345', 'rcp'],
    ]);
    expect(
      node(org, 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess'),
    ).toMatchObject({
      scope: 'aws:global',
      props: { awsManaged: true, policyType: 'scp' },
    });

    // the account: org data, credential report, keys, access advisor
    expect(node(a, `arn:aws:iam::${A}:root`)).toMatchObject({
      name: 'management',
      tenant: 'o-a1b2c3d4e5',
      props: { isManagement: true, email: 'mgmt@example.com', status: 'ACTIVE' },
    });
    expect(node(a, `arn:aws:iam::${A}:user/alice`)!.props).toMatchObject({
      hasLoginProfile: true,
      mfaEnabled: false,
      passwordLastUsed: '2026-11-26T07:00:00.000Z',
      accessKeyCount: 2,
      lastUsed: '2026-11-26T07:00:00.000Z',
      usageKnown: true,
    });
    expect(node(a, `arn:aws:iam::${A}:user/ops/bob`)!.props).toMatchObject({
      hasLoginProfile: false,
      lastUsed: null,
      usageKnown: true,
    });
    const k1 = node(a, `arn:aws:iam::${A}:user/alice#accesskey:AKIAALICE1`)!;
    expect(k1.props).toMatchObject({
      status: 'Active',
      lastUsed: '2026-11-25T08:00:00.000Z',
      lastUsedService: 's3',
      usageKnown: true,
    });
    expect(node(a, `arn:aws:iam::${A}:user/alice#accesskey:AKIAALICE2`)!.props).toMatchObject({
      lastUsed: null,
      usageKnown: true,
      lastUsedService: null,
    });
    expect(edges(a, 'AWS_HAS_ACCESS_KEY')).toHaveLength(2);
    expect(a.usage).toEqual([
      {
        subject: `arn:aws:iam::${A}:role/deploy`,
        service: 's3',
        lastUsed: '2026-11-01T10:00:00.000Z',
        source: 'aws:access-advisor',
      },
      {
        subject: `arn:aws:iam::${A}:role/deploy`,
        action: 's3:GetObject',
        lastUsed: '2026-11-01T10:00:00.000Z',
        source: 'aws:access-advisor',
      },
      {
        subject: `arn:aws:iam::${A}:role/deploy`,
        action: 's3:PutObject',
        lastUsed: null,
        source: 'aws:access-advisor',
      },
      {
        subject: `arn:aws:iam::${A}:role/deploy`,
        service: 'iam',
        lastUsed: null,
        source: 'aws:access-advisor',
      },
      {
        subject: `arn:aws:iam::${A}:user/alice`,
        service: 'sts',
        lastUsed: '2026-11-20T09:00:00.000Z',
        source: 'aws:access-advisor',
      },
    ]);

    // resources and resource policies
    const deploy = `arn:aws:iam::${A}:role/deploy`;
    const fn = node(a, `arn:aws:lambda:us-east-1:${A}:function:worker`)!;
    expect(fn.props).toMatchObject({
      roleArn: deploy,
      runtime: 'python3.12',
      crossAccountAccess: true,
      publicAccess: false,
    });
    expect((fn.props!.resourcePolicy as { Id: string }).Id).toBe('default');
    const runsAs = edges(a, 'AWS_RUNS_AS').map((e) => [
      e.source.split(/[:/]/).slice(-2).join('/'),
      e.target.split('/').pop(),
      e.props!.roleKind,
    ]);
    expect(runsAs).toEqual(
      expect.arrayContaining([
        ['function/worker', 'deploy', 'execution'],
        ['instance/i-0abc', 'deploy', 'instance'],
        ['app/3', 'deploy', 'task'],
        ['app/3', 'sso-admin', 'execution'],
        ['base/1234', 'deploy', 'service'],
      ]),
    );
    expect(edges(a, 'AWS_HAS_INSTANCE_PROFILE')).toEqual([
      {
        type: 'AWS_HAS_INSTANCE_PROFILE',
        source: `arn:aws:ec2:us-east-1:${A}:instance/i-0abc`,
        target: `arn:aws:iam::${A}:instance-profile/deploy-profile`,
      },
    ]);
    expect(node(a, `arn:aws:ec2:us-east-1:${A}:instance/i-0abc`)).toMatchObject({
      name: 'web',
      props: { state: 'running' },
    });
    expect(node(a, 'arn:aws:s3:::public-bucket')!.props).toMatchObject({
      publicAccess: true,
      crossAccountAccess: false,
    });
    expect(node(a, 'arn:aws:s3:::private-bucket')!.props).toMatchObject({
      resourcePolicy: null,
      region: 'eu-west-1',
    });
    expect(node(a, `arn:aws:sqs:us-east-1:${A}:jobs`)).toMatchObject({
      name: 'jobs',
      props: { crossAccountAccess: true },
    });

    // the partial account carries its gaps
    expect(b.gaps).toEqual([expect.objectContaining({ scope: 'aws:222222222222', reason: 'AccessDenied' })]);
  });

  it('quarantines a broken resource policy with its file and path', async () => {
    const dir = tmp();
    cpSync(`${FIX}/collection`, dir, { recursive: true });
    const f = path.join(dir, 'accounts', A, 'resources', 's3.json');
    writeFileSync(
      f,
      JSON.stringify({ Buckets: [{ Name: 'b', Region: 'us-east-1', Policy: '{"Statement": [' }] }),
    );
    const { snaps, warnings } = await convert([dir], collectionFormat);
    const a = snaps[1]!;
    expect(warnings.join('\n')).toMatch(/s3\.json: \$\.Buckets\[0\]\.Policy: not valid JSON/);
    expect(a.scopes[0]!.complete).toBe(false);
    expect(node(a, 'arn:aws:s3:::b')!.props!.resourcePolicy).toBeNull();
  });

  it('rejects a manifest it does not understand, naming the field', async () => {
    const dir = tmp();
    cpSync(`${FIX}/collection`, dir, { recursive: true });
    const m = path.join(dir, 'permgraph-aws-collection.json');
    writeFileSync(
      m,
      JSON.stringify({
        format: 'permgraph-aws-collection',
        version: 1,
        accounts: [{ id: '12', complete: true }],
      }),
    );
    await expect(collectionFormat.toSnapshots([dir], ctx())).rejects.toThrow(
      /permgraph-aws-collection\.json: \$\.accounts\[0\]\.id must be a 12-digit account id/,
    );
  });
});
