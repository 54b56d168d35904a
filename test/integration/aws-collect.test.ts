/**
 * The collector against moto in server mode, seeded through the real SDK; IAM access advisor
 * (which moto lacks) answered by a node:http stand-in in front of moto. Collect, import, and
 * compare the graph with what was seeded.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand as CreateOrgPolicyCommand,
  DescribeCreateAccountStatusCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { collectAws } from '../../ingest/aws/collect/index.js';
import { importFiles } from '../../ingest/pipeline.js';
import '../../cli/providers.js';
import { runCli } from '../helpers/cli.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import {
  type IamStandIn,
  type MotoServer,
  motoUnavailable,
  startIamStandIn,
  startMoto,
} from '../helpers/moto.js';

const skip = motoUnavailable();
const ACCOUNT = '123456789012';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const cfg = (endpoint: string) => ({ region: 'us-east-1', endpoint, credentials: creds });

const APP_V1 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const APP_V2 = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
};
const BOUNDARY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:*', 'lambda:*'], Resource: '*' }],
};
const TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};
const SCP = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
};

interface Seeded {
  memberAccount: string;
  ouId: string;
  rootId: string;
  scpArn: string;
  accessKeyId: string;
}

async function seed(endpoint: string): Promise<Seeded> {
  const iam = new IAMClient(cfg(endpoint));
  const app = await iam.send(
    new CreatePolicyCommand({ PolicyName: 'app', PolicyDocument: JSON.stringify(APP_V1) }),
  );
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: app.Policy!.Arn,
      PolicyDocument: JSON.stringify(APP_V2),
      SetAsDefault: true,
    }),
  );
  const boundary = await iam.send(
    new CreatePolicyCommand({ PolicyName: 'boundary', PolicyDocument: JSON.stringify(BOUNDARY) }),
  );
  await iam.send(new CreateGroupCommand({ GroupName: 'devs', Path: '/eng/' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: app.Policy!.Arn }));
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new CreateUserCommand({ UserName: 'bob', Path: '/ops/' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'pass',
      PolicyDocument: JSON.stringify(APP_V2),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: 'deploy',
      AssumeRolePolicyDocument: JSON.stringify(TRUST),
      PermissionsBoundary: boundary.Policy!.Arn,
    }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'deploy', PolicyArn: app.Policy!.Arn }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'deploy',
      PolicyName: 'ci',
      PolicyDocument: JSON.stringify(APP_V2),
    }),
  );
  await iam.send(new TagRoleCommand({ RoleName: 'deploy', Tags: [{ Key: 'env', Value: 'prod' }] }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'deploy-profile' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'deploy-profile', RoleName: 'deploy' }),
  );

  const org = new OrganizationsClient(cfg(endpoint));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const ou = await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Prod' }));
  const created = await org.send(
    new CreateAccountCommand({ AccountName: 'prod', Email: 'prod@example.com' }),
  );
  const status = await org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id }),
  );
  const memberAccount = status.CreateAccountStatus!.AccountId!;
  await org.send(
    new MoveAccountCommand({
      AccountId: memberAccount,
      SourceParentId: rootId,
      DestinationParentId: ou.OrganizationalUnit!.Id,
    }),
  );
  await org
    .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }))
    .catch(() => undefined);
  const scp = await org.send(
    new CreateOrgPolicyCommand({
      Name: 'DenyLeave',
      Description: 'no leaving',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify(SCP),
    }),
  );
  await org.send(
    new AttachPolicyCommand({ PolicyId: scp.Policy!.PolicySummary!.Id, TargetId: ou.OrganizationalUnit!.Id }),
  );

  const s3 = new S3Client({ ...cfg(endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'public-bucket' }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'public-bucket',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::public-bucket/*',
          },
        ],
      }),
    }),
  );
  const lambda = new LambdaClient(cfg(endpoint));
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'worker',
      Runtime: 'python3.12',
      Role: role.Role!.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: zipWithOneFile() },
    }),
  );
  return {
    memberAccount,
    ouId: ou.OrganizationalUnit!.Id!,
    rootId,
    scpArn: scp.Policy!.PolicySummary!.Arn!,
    accessKeyId: key.AccessKey!.AccessKeyId!,
  };
}

/** A valid empty-ish zip archive (one stored file), enough for CreateFunction. */
function zipWithOneFile(): Uint8Array {
  // "PK\x05\x06" end-of-central-directory record of an empty archive.
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  return eocd;
}

describe.skipIf(skip !== null)('collect aws against moto', () => {
  let moto: MotoServer;
  let standIn: IamStandIn;
  let graph: Graph;
  let seeded: Seeded;
  let out: string;
  let collected: Awaited<ReturnType<typeof collectAws>>;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    process.env.AWS_REGION = 'us-east-1';
    moto = await startMoto();
    seeded = await seed(moto.endpoint);
    standIn = await startIamStandIn(
      moto.endpoint,
      {
        [`arn:aws:iam::${ACCOUNT}:role/deploy`]: [
          {
            ServiceNamespace: 's3',
            ServiceName: 'Amazon S3',
            LastAuthenticated: '2026-11-01T10:00:00Z',
            TotalAuthenticatedEntities: 1,
            TrackedActionsLastAccessed: [
              { ActionName: 'GetObject', LastAccessedTime: '2026-11-01T10:00:00Z' },
              { ActionName: 'PutObject' },
            ],
          },
          {
            ServiceNamespace: 'iam',
            ServiceName: 'AWS Identity and Access Management',
            TotalAuthenticatedEntities: 0,
          },
        ],
      },
      { throttleFirst: 3 },
    );
    graph = testGraph();
    await resetGraph(graph);
    out = mkdtempSync(path.join(tmpdir(), 'pg-collect-'));
    collected = await collectAws({
      out,
      regions: ['us-east-1'],
      org: true,
      roleName: 'OrganizationAccountAccessRole',
      endpointUrl: standIn.endpoint,
      pollMs: 50,
      log: () => {},
    });
  }, 600_000);

  afterAll(async () => {
    await graph?.close();
    await standIn?.stop();
    await moto?.stop();
  });

  it('writes the raw responses in the collection layout', () => {
    const files = readdirSync(path.join(out, 'accounts', ACCOUNT));
    expect(files).toEqual(
      expect.arrayContaining([
        'authorization-details.json',
        'access-keys.json',
        'access-advisor.json',
        'credential-report.csv',
        'resources',
      ]),
    );
    const manifest = JSON.parse(readFileSync(path.join(out, 'permgraph-aws-collection.json'), 'utf8'));
    expect(manifest.format).toBe('permgraph-aws-collection');
    expect(manifest.accounts.map((a: { id: string }) => a.id).sort()).toEqual(
      [ACCOUNT, seeded.memberAccount].sort(),
    );
    const org = JSON.parse(readFileSync(path.join(out, 'organization.json'), 'utf8'));
    expect(org.Accounts.find((a: { Id: string }) => a.Id === seeded.memberAccount).ParentId).toBe(
      seeded.ouId,
    );
    expect(standIn.answered).toContain('GetServiceLastAccessedDetails');
    // throttled calls were retried with backoff, not recorded as gaps
    expect(standIn.answered.filter((a) => a.endsWith(':Throttling'))).toHaveLength(3);
    expect(collected.gaps.filter((g) => g.scope === `aws:${ACCOUNT}`)).toEqual([]);
  });

  it('imports the collection and the graph matches what was seeded', async () => {
    const r = await importFiles(graph, [out], { log: () => {}, skipDerive: true });
    expect(r.loads.length).toBe(3); // organization + two accounts
    const q = async (cypher: string, params: Record<string, unknown> = {}) => graph.read(cypher, params);
    const users = await q(`MATCH (u:AWSUser {account: $a}) RETURN u.name AS name ORDER BY name`, {
      a: ACCOUNT,
    });
    expect(users.map((u) => u.name)).toEqual(['alice', 'bob']);
    const members = await q(
      `MATCH (u:AWSUser)-[:AWS_MEMBER_OF]->(g:AWSGroup {id: $g}) RETURN u.name AS name ORDER BY name`,
      { g: `arn:aws:iam::${ACCOUNT}:group/eng/devs` },
    );
    expect(members.map((m) => m.name)).toEqual(['alice', 'bob']);
    const app = await q(
      `MATCH (p:AWSPolicy {id: $id}) RETURN p.document AS doc, p.versions AS versions, p.defaultVersionId AS v`,
      {
        id: `arn:aws:iam::${ACCOUNT}:policy/app`,
      },
    );
    expect(JSON.parse(String(app[0]!.doc))).toEqual(APP_V2);
    expect(app[0]!.v).toBe('v2');
    expect(JSON.parse(String(app[0]!.versions)).map((v: { document: unknown }) => v.document)).toEqual([
      APP_V1,
    ]);
    const role = `arn:aws:iam::${ACCOUNT}:role/deploy`;
    const trusts = await q(
      `MATCH (:AWSRole {id: $role})-[t:AWS_TRUSTS]->(p) RETURN p.id AS id, t.action AS action ORDER BY id`,
      {
        role,
      },
    );
    expect(trusts).toEqual([
      { id: `arn:aws:iam::${ACCOUNT}:root`, action: 'sts:AssumeRole' },
      { id: 'lambda.amazonaws.com', action: 'sts:AssumeRole' },
    ]);
    const boundary = await q(`MATCH (:AWSRole {id: $role})-[:AWS_HAS_BOUNDARY]->(p) RETURN p.name AS name`, {
      role,
    });
    expect(boundary.map((b) => b.name)).toEqual(['boundary']);
    const policies = await q(
      `MATCH (:AWSRole {id: $role})-[h:AWS_HAS_POLICY]->(p) RETURN p.name AS name, h.attachment AS a ORDER BY name`,
      { role },
    );
    expect(policies).toEqual([
      { name: 'app', a: 'managed' },
      { name: 'ci', a: 'inline' },
    ]);
    const profile = await q(
      `MATCH (ip:AWSInstanceProfile)-[:AWS_PROFILE_HAS_ROLE]->(:AWSRole {id: $role}) RETURN ip.name AS name`,
      {
        role,
      },
    );
    expect(profile.map((p) => p.name)).toEqual(['deploy-profile']);
    const tags = await q(
      `MATCH (r:AWSRole {id: $role}) RETURN r.tags AS tags, r.serviceUsage AS su, r.actionUsage AS au`,
      { role },
    );
    expect(JSON.parse(String(tags[0]!.tags))).toEqual({ env: 'prod' });
    expect(JSON.parse(String(tags[0]!.su))).toEqual({ s3: '2026-11-01T10:00:00.000Z', iam: null });
    expect(JSON.parse(String(tags[0]!.au))).toEqual({
      's3:GetObject': '2026-11-01T10:00:00.000Z',
      's3:PutObject': null,
    });
    const keys = await q(
      `MATCH (:AWSUser {name: 'alice'})-[:AWS_HAS_ACCESS_KEY]->(k:AWSAccessKey) RETURN k.accessKeyId AS id, k.status AS s`,
    );
    expect(keys).toEqual([{ id: seeded.accessKeyId, s: 'Active' }]);
    const orgPath = await q(
      `MATCH (o:AWSOrganization)-[:AWS_CONTAINS]->(r:AWSOrganizationalUnit {isRoot: true})-[:AWS_CONTAINS]->(ou:AWSOrganizationalUnit {name: 'Prod'})-[:AWS_CONTAINS]->(a:AWSAccount {id: $acct})
       RETURN r.ouId AS root, ou.ouId AS ou`,
      { acct: `arn:aws:iam::${seeded.memberAccount}:root` },
    );
    expect(orgPath).toEqual([{ root: seeded.rootId, ou: seeded.ouId }]);
    const scp = await q(
      `MATCH (:AWSOrganizationalUnit {ouId: $ou})-[h:AWS_HAS_ORG_POLICY]->(p:AWSPolicy {id: $scp}) RETURN h.policyType AS t, p.document AS doc`,
      { ou: seeded.ouId, scp: seeded.scpArn },
    );
    expect(scp.length).toBe(1);
    expect(scp[0]!.t).toBe('scp');
    expect(JSON.parse(String(scp[0]!.doc))).toEqual(SCP);
    const bucket = await q(`MATCH (b:AWSS3Bucket {name: 'public-bucket'}) RETURN b.publicAccess AS pub`);
    expect(bucket).toEqual([{ pub: true }]);
    const fn = await q(
      `MATCH (f:AWSLambdaFunction {name: 'worker'})-[r:AWS_RUNS_AS]->(:AWSRole {id: $role}) RETURN r.roleKind AS k`,
      { role },
    );
    expect(fn).toEqual([{ k: 'execution' }]);
    const mgmt = await q(`MATCH (a:AWSAccount {id: $id}) RETURN a.isManagement AS m, a.collected AS c`, {
      id: `arn:aws:iam::${ACCOUNT}:root`,
    });
    expect(mgmt).toEqual([{ m: true, c: true }]);
  });

  it('the CLI collects through --endpoint-url; what moto lacks is a gap and the account partial', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-collect-cli-'));
    const r = runCli(
      ['collect', 'aws', '--endpoint-url', moto.endpoint, '--out', dir, '--no-import', '--json'],
      {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        CI: 'true',
      },
    );
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.import).toBeNull();
    expect(out.collection.accounts).toEqual([{ id: ACCOUNT, complete: false, gaps: expect.any(Number) }]);
    const gaps = JSON.parse(readFileSync(path.join(dir, 'gaps.json'), 'utf8'));
    expect(gaps.map((g: { api: string }) => g.api)).toContain('iam:GenerateServiceLastAccessedDetails');
    const auth = JSON.parse(
      readFileSync(path.join(dir, 'accounts', ACCOUNT, 'authorization-details.json'), 'utf8'),
    );
    expect(auth.UserDetailList.map((u: { UserName: string }) => u.UserName).sort()).toEqual(['alice', 'bob']);
  });
});
