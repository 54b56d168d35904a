/** Hand cases from the AWS policy evaluation logic documentation. */
import { describe, expect, it } from 'vitest';
import {
  contextOf,
  type Decision,
  evaluateOperator,
  evaluateRequest,
  globIntersects,
  loadCatalog,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySet,
  type RequestPrincipal,
  resourceMatch,
} from '../../../ingest/aws/policy/index.js';

const ACCT = '111111111111';
const alice: RequestPrincipal = { arn: `arn:aws:iam::${ACCT}:user/alice`, type: 'user', account: ACCT };
const doc = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const pol = (id: string, ...s: Record<string, unknown>[]): NamedPolicy => ({
  id,
  document: doc(...s) as unknown as PolicyDocument,
});

function ev(
  action: string,
  resource: string,
  set: Partial<PolicySet>,
  opts: {
    context?: Record<string, string | string[] | null>;
    missing?: 'absent' | 'unknown';
    principal?: RequestPrincipal;
    account?: string;
  } = {},
): Decision {
  return evaluateRequest(
    {
      principal: opts.principal ?? alice,
      action,
      resource,
      resourceAccount: opts.account ?? ACCT,
      context: contextOf(opts.context ?? {}, opts.missing ?? 'unknown'),
    },
    { identity: [], ...set },
  );
}

describe('policy evaluation', () => {
  it('explicit deny wins over any allow, and names the statement', () => {
    const d = ev('s3:GetObject', 'arn:aws:s3:::b/k', {
      identity: [
        pol('allow', { Effect: 'Allow', Action: 's3:*', Resource: '*' }),
        pol('deny', { Effect: 'Deny', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' }),
      ],
    });
    expect(d.decision).toBe('ExplicitlyDenied');
    expect(d.grantedBy).toEqual([{ policy: 'deny', statement: '0', action: 's3:GetObject' }]);
  });

  it('no allow is an implicit deny', () => {
    expect(
      ev('s3:GetObject', 'arn:aws:s3:::b/k', {
        identity: [pol('p', { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' })],
      }).decision,
    ).toBe('ImplicitlyDenied');
  });

  it('a permission boundary intersects with identity policies', () => {
    const set = {
      identity: [pol('admin', { Effect: 'Allow', Action: '*', Resource: '*' })],
      boundary: pol('pb', { Effect: 'Allow', Action: ['s3:*', 'cloudwatch:*'], Resource: '*' }),
    };
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', set).decision).toBe('Allowed');
    const d = ev('iam:CreateUser', `arn:aws:iam::${ACCT}:user/x`, set);
    expect(d).toMatchObject({ decision: 'ImplicitlyDenied', deniedBy: 'boundary' });
    // The boundary alone grants nothing.
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { boundary: set.boundary }).decision).toBe(
      'ImplicitlyDenied',
    );
  });

  it('SCPs: every level must allow; a deny at any level wins; the management account is exempt', () => {
    const full = pol('FullAWSAccess', { Effect: 'Allow', Action: '*', Resource: '*' });
    const identity = [pol('admin', { Effect: 'Allow', Action: '*', Resource: '*' })];
    const denyIam = pol('deny-iam', { Effect: 'Deny', Action: 'iam:*', Resource: '*' });
    const onlyS3 = pol('only-s3', { Effect: 'Allow', Action: 's3:*', Resource: '*' });
    expect(ev('iam:CreateUser', '*', { identity, scps: [[full], [full, denyIam]] })).toMatchObject({
      decision: 'ExplicitlyDenied',
      deniedBy: 'scp',
    });
    expect(ev('ec2:RunInstances', '*', { identity, scps: [[full], [onlyS3]] })).toMatchObject({
      decision: 'ImplicitlyDenied',
      deniedBy: 'scp',
    });
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { identity, scps: [[full], [onlyS3]] }).decision).toBe(
      'Allowed',
    );
    const mgmt = evaluateRequest(
      {
        principal: alice,
        action: 'iam:CreateUser',
        resource: '*',
        resourceAccount: ACCT,
        context: contextOf({}, 'absent'),
      },
      { identity, scps: [[full, denyIam]] },
      { scpExempt: true },
    );
    expect(mgmt.decision).toBe('Allowed');
  });

  it('NotAction with Allow grants everything else; with Deny denies everything else', () => {
    const power = [pol('power', { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' })];
    expect(ev('iam:PassRole', `arn:aws:iam::${ACCT}:role/r`, { identity: power }).decision).toBe(
      'ImplicitlyDenied',
    );
    expect(ev('sts:AssumeRole', `arn:aws:iam::${ACCT}:role/r`, { identity: power }).decision).toBe('Allowed');
    expect(
      ev('lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCT}:function:f`, { identity: power })
        .decision,
    ).toBe('Allowed');
    const denyElse = [
      pol('admin', { Effect: 'Allow', Action: '*', Resource: '*' }),
      pol('guard', { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }),
    ];
    expect(ev('ec2:RunInstances', '*', { identity: denyElse }).decision).toBe('ExplicitlyDenied');
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { identity: denyElse }).decision).toBe('Allowed');
  });

  it('NotResource and ARN wildcards match segment by segment', () => {
    const p = [pol('p', { Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })];
    expect(ev('s3:GetObject', 'arn:aws:s3:::secret/k', { identity: p }).decision).toBe('ImplicitlyDenied');
    expect(ev('s3:GetObject', 'arn:aws:s3:::public/k', { identity: p }).decision).toBe('Allowed');
    expect(resourceMatch('arn:aws:iam::*:role/admin', `arn:aws:iam::${ACCT}:role/admin`)).toBe(true);
    expect(resourceMatch('arn:aws:iam::*', `arn:aws:iam::${ACCT}:role/admin`)).toBe(true);
    expect(resourceMatch('arn:aws:iam::1*:role/*', `arn:aws:iam::${ACCT}:role/a/b`)).toBe(true);
    expect(resourceMatch('arn:aws:s3:::Bucket', 'arn:aws:s3:::bucket')).toBe(false);
    expect(globIntersects('arn:aws:lambda:*:1:function:a*', 'arn:aws:lambda:us-east-1:1:function:*')).toBe(
      true,
    );
    expect(globIntersects('a?c', 'ab')).toBe(false);
  });

  it('action names match case-insensitively with * and ?, and expand against the catalog', async () => {
    const p = [pol('p', { Effect: 'Allow', Action: 'IAM:pass?OLE', Resource: '*' })];
    expect(ev('iam:PassRole', `arn:aws:iam::${ACCT}:role/r`, { identity: p }).decision).toBe('Allowed');
    const catalog = await loadCatalog();
    expect(catalog.size).toBeGreaterThan(15_000);
    const users = catalog.expand('iam:*User*').map((a) => a.full);
    expect(users).toContain('iam:CreateUser');
    expect(users).toContain('iam:AddUserToGroup');
    expect(users).not.toContain('iam:CreateRole');
    expect(catalog.get('iam:passrole')).toMatchObject({ full: 'iam:PassRole', accessLevels: ['Write'] });
  });

  it('policy variables resolve from the context', () => {
    const p = [
      pol('self', {
        Effect: 'Allow',
        Action: 'iam:CreateAccessKey',
        Resource: `arn:aws:iam::${ACCT}:user/\${aws:username}`,
      }),
    ];
    expect(
      ev(
        'iam:CreateAccessKey',
        `arn:aws:iam::${ACCT}:user/alice`,
        { identity: p },
        { context: { 'aws:username': 'alice' } },
      ).decision,
    ).toBe('Allowed');
    expect(
      ev(
        'iam:CreateAccessKey',
        `arn:aws:iam::${ACCT}:user/bob`,
        { identity: p },
        { context: { 'aws:username': 'alice' } },
      ).decision,
    ).toBe('ImplicitlyDenied');
    // Unknown variable: kept, the result is conditional.
    const d = ev('iam:CreateAccessKey', `arn:aws:iam::${ACCT}:user/bob`, { identity: p });
    expect(d).toMatchObject({ decision: 'Allowed', conditional: true });
  });

  it('decidable conditions are decided; undecidable ones make the result conditional', () => {
    const mfa = [
      pol('mfa', {
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    ];
    expect(
      ev('iam:CreateUser', '*', { identity: mfa }, { context: { 'aws:MultiFactorAuthPresent': 'false' } })
        .decision,
    ).toBe('ImplicitlyDenied');
    const undecided = ev('iam:CreateUser', '*', { identity: mfa });
    expect(undecided).toMatchObject({ decision: 'Allowed', conditional: true });
    expect(undecided.conditions).toEqual([
      { operator: 'Bool', key: 'aws:MultiFactorAuthPresent', values: 'true' },
    ]);
    // A past aws:CurrentTime bound is decided.
    const expired = [
      pol('x', {
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
      }),
    ];
    expect(
      ev(
        's3:GetObject',
        'arn:aws:s3:::b/k',
        { identity: expired },
        { context: { 'aws:CurrentTime': '2026-12-03T00:00:00Z' } },
      ).decision,
    ).toBe('ImplicitlyDenied');
    // An undecided Deny keeps the allow, conditional on the deny not applying.
    const maybeDeny = [
      pol('a', { Effect: 'Allow', Action: 's3:*', Resource: '*' }),
      pol('d', {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      }),
    ];
    const md = ev('s3:GetObject', 'arn:aws:s3:::b/k', { identity: maybeDeny });
    expect(md).toMatchObject({ decision: 'Allowed', conditional: true });
    expect(md.conditions[0]?.operator).toBe('Not(IpAddress)');
  });

  it('condition operators: IfExists, Null, ForAllValues, ForAnyValue, negation on a missing key', () => {
    const absent = contextOf({ 'aws:TagKeys': ['a', 'b'] }, 'absent');
    expect(evaluateOperator('StringEqualsIfExists', 'aws:PrincipalTag/x', 'v', absent)).toBe('true');
    expect(evaluateOperator('StringEquals', 'aws:PrincipalTag/x', 'v', absent)).toBe('false');
    expect(evaluateOperator('StringNotEquals', 'aws:PrincipalTag/x', 'v', absent)).toBe('true');
    expect(evaluateOperator('Null', 'aws:PrincipalTag/x', 'true', absent)).toBe('true');
    expect(evaluateOperator('ForAllValues:StringEquals', 'aws:TagKeys', ['a', 'b', 'c'], absent)).toBe(
      'true',
    );
    expect(evaluateOperator('ForAllValues:StringEquals', 'aws:TagKeys', ['a'], absent)).toBe('false');
    expect(evaluateOperator('ForAllValues:StringEquals', 'aws:Missing', ['a'], absent)).toBe('true');
    expect(evaluateOperator('ForAnyValue:StringEquals', 'aws:TagKeys', ['b'], absent)).toBe('true');
    expect(evaluateOperator('ForAnyValue:StringEquals', 'aws:Missing', ['b'], absent)).toBe('false');
    expect(evaluateOperator('NumericLessThanEquals', 'k', '5', contextOf({ k: '5' }, 'absent'))).toBe('true');
    expect(evaluateOperator('IpAddress', 'ip', '10.0.0.0/8', contextOf({ ip: '10.2.3.4' }, 'absent'))).toBe(
      'true',
    );
    expect(
      evaluateOperator(
        'ArnLike',
        'a',
        'arn:aws:iam::*:role/*',
        contextOf({ a: `arn:aws:iam::${ACCT}:role/x` }, 'absent'),
      ),
    ).toBe('true');
    expect(evaluateOperator('StringLike', 'k', 'v', contextOf({}, 'unknown'))).toBe('unknown');
    expect(evaluateOperator('NoSuchOperator', 'k', 'v', absent)).toBe('unknown');
  });

  it('resource policies: same account grants alone; cross account needs both sides; trust policies always', () => {
    const bucket = pol('bucket', {
      Effect: 'Allow',
      Principal: { AWS: alice.arn },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
    });
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { resource: bucket }).decision).toBe('Allowed');
    const other = '222222222222';
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { resource: bucket }, { account: other }).decision).toBe(
      'ImplicitlyDenied',
    );
    const id = [pol('id', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })];
    expect(
      ev('s3:GetObject', 'arn:aws:s3:::b/k', { identity: id, resource: bucket }, { account: other }).decision,
    ).toBe('Allowed');
    // Account root in the principal delegates: the identity side must allow.
    const toRoot = pol('bucket', {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
      Action: 's3:GetObject',
      Resource: '*',
    });
    expect(ev('s3:GetObject', 'arn:aws:s3:::b/k', { resource: toRoot }).decision).toBe('ImplicitlyDenied');
    // A trust policy must admit the caller even when the identity policy allows.
    const trust = pol('trust', {
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    const assume = [pol('id', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })];
    expect(
      ev('sts:AssumeRole', `arn:aws:iam::${ACCT}:role/r`, {
        identity: assume,
        resource: trust,
        resourceRequired: true,
      }).decision,
    ).toBe('ImplicitlyDenied');
  });
});
