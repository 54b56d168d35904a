/**
 * Differential test: our evaluator against @cloud-copilot/iam-simulate (devDependency, the
 * oracle) on generated policy/request pairs. Prints the agreement rate; the documented
 * divergences (docs/policy-engine.md) are the only disagreements allowed.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contextOf,
  evaluateRequest,
  type PolicySet,
  type Statement,
} from '../../../ingest/aws/policy/index.js';

const ACCT = '111111111111';
const USERNAME_VAR = '$' + '{aws:username}';
const OTHER = '222222222222';

const REQUESTS: { action: string; resource: string; account: string }[] = [
  { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-a/key1', account: ACCT },
  { action: 's3:PutObject', resource: 'arn:aws:s3:::bucket-a/dir/key2', account: ACCT },
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::bucket-a', account: ACCT },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-b/x', account: OTHER },
  { action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCT}:user/carol`, account: ACCT },
  { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCT}:role/admin`, account: ACCT },
  { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCT}:role/app/deploy`, account: ACCT },
  { action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT },
  { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCT}:role/admin`, account: ACCT },
  { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER}:role/xacct`, account: OTHER },
  {
    action: 'lambda:InvokeFunction',
    resource: `arn:aws:lambda:us-east-1:${ACCT}:function:f1`,
    account: ACCT,
  },
  { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/t1`, account: ACCT },
  { action: 'sqs:SendMessage', resource: `arn:aws:sqs:us-east-1:${OTHER}:q1`, account: OTHER },
  { action: 'ec2:DescribeInstances', resource: '*', account: ACCT },
  { action: 'iam:ListRoles', resource: '*', account: ACCT },
];

const ACTIONS = [
  '*',
  's3:*',
  's3:Get*',
  's3:*Object',
  's3:?etObject',
  'S3:GETOBJECT',
  's3:List*',
  'iam:*',
  'iam:*User*',
  'iam:Pass*',
  'iam:PutRolePolicy',
  'iam:*Role*',
  'iam:List*',
  'sts:AssumeRole',
  'sts:*',
  'ec2:Describe*',
  'lambda:Invoke*',
  'dynamodb:GetItem',
  'sqs:*',
  'iam:CreateAccessKey',
];

const RESOURCES = [
  '*',
  'arn:aws:s3:::bucket-a/*',
  'arn:aws:s3:::bucket-a',
  'arn:aws:s3:::bucket-*',
  'arn:aws:s3:::*/key?',
  `arn:aws:iam::${ACCT}:role/*`,
  `arn:aws:iam::${ACCT}:user/*`,
  'arn:aws:iam::*:role/admin',
  `arn:aws:lambda:*:${ACCT}:function:*`,
  `arn:aws:dynamodb:us-east-1:${ACCT}:table/t?`,
  'arn:aws:sqs:*:*:*',
  `arn:aws:iam::${ACCT}:role/app/*`,
  'arn:aws:s3:::bucket-b/*',
  `arn:aws:iam::${ACCT}:user/\${aws:username}`,
  `arn:aws:iam::${OTHER}:role/*`,
];

const CONDITIONS: Record<string, Record<string, unknown>>[] = [
  { StringEquals: { 'aws:PrincipalTag/team': 'red' } },
  { StringNotEquals: { 'aws:PrincipalTag/team': ['red', 'green'] } },
  { StringLike: { 'aws:RequestedRegion': 'us-*' } },
  { StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-EAST-1' } },
  { Bool: { 'aws:SecureTransport': 'false' } },
  { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
  { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { NotIpAddress: { 'aws:SourceIp': ['192.168.0.0/16'] } },
  { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
  { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
  { StringEqualsIfExists: { 'aws:PrincipalTag/missing': 'x' } },
  { StringEquals: { 'aws:PrincipalTag/missing': 'x' } },
  { StringNotEquals: { 'aws:PrincipalTag/missing': 'x' } },
  { Null: { 'aws:PrincipalTag/missing': 'true' } },
  { Null: { 'aws:PrincipalTag/team': 'true' } },
  { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'z'] } },
  { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'z'] } },
  { 'ForAllValues:StringLike': { 'aws:TagKeys': ['*'] } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/*` } },
  { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/*` } },
  { StringLike: { 'aws:PrincipalTag/team': USERNAME_VAR } },
];

function contextFor(team: string, principal: string): Record<string, string | string[]> {
  return {
    'aws:username': principal.split('/').pop() as string,
    'aws:PrincipalTag/team': team,
    'aws:RequestedRegion': 'us-east-1',
    'aws:SecureTransport': 'true',
    'aws:MultiFactorAuthAge': '100',
    'aws:SourceIp': '10.1.2.3',
    'aws:CurrentTime': '2026-12-03T00:00:00Z',
    'aws:TagKeys': ['a', 'b'],
    'aws:PrincipalArn': principal,
  };
}

const oneOrMany = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    arb,
    fc.array(arb, { minLength: 1, maxLength: 3 }).map((a) => [...new Set(a)]),
  );

const statementArb = (
  effect: fc.Arbitrary<string>,
  principal?: fc.Arbitrary<unknown>,
): fc.Arbitrary<Statement> =>
  fc
    .record({
      Effect: effect,
      notAction: fc.integer({ min: 0, max: 9 }),
      actions: oneOrMany(fc.constantFrom(...ACTIONS)),
      notResource: fc.integer({ min: 0, max: 5 }),
      resources: oneOrMany(fc.constantFrom(...RESOURCES)),
      cond: fc.option(fc.constantFrom(...CONDITIONS), { freq: 3 }),
      principal: principal ?? fc.constant(undefined),
    })
    .map((r) => {
      const s: Statement = { Effect: r.Effect };
      if (r.notAction < 3) s.NotAction = r.actions;
      else s.Action = r.actions;
      if (r.notResource === 0) s.NotResource = r.resources;
      else s.Resource = r.resources;
      if (r.cond) s.Condition = r.cond as Statement['Condition'];
      if (r.principal !== undefined) s.Principal = r.principal;
      return s;
    });

const policyArb = (effect: fc.Arbitrary<string>, principal?: fc.Arbitrary<unknown>) =>
  fc.array(statementArb(effect, principal), { minLength: 1, maxLength: 3 }).map((Statement) => ({
    Version: '2012-10-17',
    Statement,
  }));

const allowMostly = fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny');
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

const caseArb = fc.record({
  req: fc.constantFrom(...REQUESTS),
  principal: fc.constantFrom(`arn:aws:iam::${ACCT}:user/alice`, `arn:aws:iam::${ACCT}:user/bob`),
  team: fc.constantFrom('red', 'blue'),
  identity: fc.array(policyArb(allowMostly), { minLength: 0, maxLength: 3 }),
  boundary: fc.option(policyArb(allowMostly), { freq: 3 }),
  scps: fc.option(
    fc.array(
      fc.oneof(
        fc.constant(ALLOW_ALL),
        policyArb(fc.constant('Allow')),
        policyArb(fc.constant('Deny')).map((d) => ({
          ...d,
          Statement: [...ALLOW_ALL.Statement, ...d.Statement],
        })),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    { freq: 3 },
  ),
  resourcePolicy: fc.option(
    policyArb(
      allowMostly,
      fc.constantFrom<unknown>(
        '*',
        { AWS: `arn:aws:iam::${ACCT}:user/alice` },
        { AWS: `arn:aws:iam::${ACCT}:root` },
        { AWS: ACCT },
        { AWS: `arn:aws:iam::${OTHER}:root` },
        { AWS: [`arn:aws:iam::${ACCT}:user/bob`, `arn:aws:iam::${OTHER}:root`] },
      ),
    ),
    { freq: 3 },
  ),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function ours(c: Case): string {
  const set: PolicySet = {
    identity: c.identity.map((d, i) => ({ id: `id${i}`, document: d })),
    boundary: c.boundary ? { id: 'pb', document: c.boundary } : null,
    scps: c.scps ? c.scps.map((d, i) => [{ id: `scp${i}`, document: d }]) : [],
    resource: c.resourcePolicy ? { id: 'rp', document: c.resourcePolicy } : null,
    // Every real role has a trust policy; the oracle reads a missing one as "no resource policy".
    resourceRequired: c.req.action.startsWith('sts:AssumeRole') && Boolean(c.resourcePolicy),
  };
  const d = evaluateRequest(
    {
      principal: { arn: c.principal, type: 'user', account: ACCT },
      action: c.req.action,
      resource: c.req.resource,
      resourceAccount: c.req.account,
      context: contextOf(contextFor(c.team, c.principal), 'absent'),
    },
    set,
  );
  return d.decision;
}

async function oracle(c: Case): Promise<string | undefined> {
  const sim: Simulation = {
    request: {
      principal: c.principal,
      action: c.req.action,
      resource: { resource: c.req.resource, accountId: c.req.account },
      contextVariables: contextFor(c.team, c.principal),
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `id${i}`, policy })),
    serviceControlPolicies: c.scps
      ? c.scps.map((policy, i) => ({ orgIdentifier: `ou-${i}`, policies: [{ name: `scp${i}`, policy }] }))
      : [],
    resourceControlPolicies: [],
    ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
    ...(c.boundary ? { permissionBoundaryPolicies: [{ name: 'pb', policy: c.boundary }] } : {}),
  };
  const r = await runSimulation(sim, {});
  if (r.resultType === 'error') return undefined;
  return r.overallResult;
}

const CASES = Number(process.env.PERMGRAPH_DIFF_CASES ?? 10_000);

describe('policy engine vs iam-simulate (differential)', () => {
  it(`agrees on ${CASES} generated cases`, async () => {
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: 20261203 });
    let compared = 0;
    let agreed = 0;
    let oracleErrors = 0;
    const disagreements: { case: Case; ours: string; oracle: string }[] = [];
    for (const c of cases) {
      const o = await oracle(c);
      if (o === undefined) {
        oracleErrors += 1;
        continue;
      }
      compared += 1;
      const mine = ours(c);
      if (mine === o) agreed += 1;
      else disagreements.push({ case: c, ours: mine, oracle: o });
    }
    const rate = (100 * agreed) / compared;
    console.log(
      `[differential] ${agreed}/${compared} agree (${rate.toFixed(2)}%), ${oracleErrors} cases rejected by the oracle's validation`,
    );
    for (const d of disagreements.slice(0, 5)) console.log(JSON.stringify(d));
    expect(compared).toBeGreaterThan(CASES * 0.9);
    expect(rate).toBeGreaterThanOrEqual(99.5);
    // 10,000 cases through two engines: ~30 s on a quiet 2-core machine, twice that under load.
  }, 240_000);
});
