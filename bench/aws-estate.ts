/**
 * A synthetic AWS account for derive benchmarks: N roles and M users with a realistic mix of
 * AWS-managed and customer policies, inline policies, groups, boundaries, service and
 * account trusts, and Lambda functions running as some of the roles. Deterministic.
 */
import type { Snapshot, SnapshotEdge, SnapshotNode } from '../ingest/snapshot/types.js';

export function syntheticAwsEstate(opts: { roles: number; users: number; account?: string }): Snapshot {
  const acct = opts.account ?? '444444444444';
  const scope = `aws:${acct}`;
  const root = `arn:aws:iam::${acct}:root`;
  const nodes: SnapshotNode[] = [
    {
      id: root,
      kind: 'AWSAccount',
      name: acct,
      account: acct,
      scope,
      props: { accountId: acct, collected: true },
    },
  ];
  const edges: SnapshotEdge[] = [];
  const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
  const managed: [string, unknown][] = [
    ['AdministratorAccess', doc({ Effect: 'Allow', Action: '*', Resource: '*' })],
    ['ReadOnlyAccess', doc({ Effect: 'Allow', Action: ['*:Get*', '*:List*', '*:Describe*'], Resource: '*' })],
    [
      'PowerUserAccess',
      doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }),
    ],
    ['AmazonS3FullAccess', doc({ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' })],
    [
      'AWSLambda_FullAccess',
      doc({ Effect: 'Allow', Action: ['lambda:*', 'iam:PassRole', 'logs:*'], Resource: '*' }),
    ],
  ];
  const policyIds: string[] = [];
  for (const [name, d] of managed) {
    const id = `arn:aws:iam::aws:policy/${name}`;
    nodes.push({
      id,
      kind: 'AWSPolicy',
      name,
      account: null,
      scope: 'aws:global',
      props: { arn: id, awsManaged: true, policyType: 'managed', document: d as never },
    });
    policyIds.push(id);
  }
  const services = [
    's3',
    'dynamodb',
    'sqs',
    'sns',
    'kms',
    'ec2',
    'lambda',
    'logs',
    'cloudwatch',
    'secretsmanager',
  ];
  for (let i = 0; i < 30; i++) {
    const id = `arn:aws:iam::${acct}:policy/app-${i}`;
    const svc = services[i % services.length]!;
    const d = doc(
      {
        Effect: 'Allow',
        Action: [`${svc}:Get*`, `${svc}:Put*`, `${svc}:List*`],
        Resource: i % 2 ? '*' : `arn:aws:${svc}:*:${acct}:app-${i}*`,
      },
      ...(i % 5 === 0
        ? [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/svc-*` }]
        : []),
      ...(i % 7 === 0
        ? [
            {
              Effect: 'Allow',
              Action: 'iam:PutRolePolicy',
              Resource: `arn:aws:iam::${acct}:role/app-${i}*`,
              Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
            },
          ]
        : []),
      ...(i % 11 === 0 ? [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }] : []),
    );
    nodes.push({
      id,
      kind: 'AWSPolicy',
      name: `app-${i}`,
      account: acct,
      scope,
      props: { arn: id, awsManaged: false, policyType: 'managed', document: d as never },
    });
    policyIds.push(id);
  }
  const trustSvc = [
    'lambda.amazonaws.com',
    'ec2.amazonaws.com',
    'ecs-tasks.amazonaws.com',
    'glue.amazonaws.com',
  ];
  for (const s of trustSvc)
    nodes.push({
      id: s,
      kind: 'AWSServicePrincipal',
      name: s,
      account: null,
      scope: 'aws:global',
      stub: true,
    });
  for (let r = 0; r < opts.roles; r++) {
    const name = r % 4 === 0 ? `svc-${r}` : `app-${r}`;
    const id = `arn:aws:iam::${acct}:role/${name}`;
    const trust =
      r % 4 === 0
        ? doc({
            Effect: 'Allow',
            Principal: { Service: trustSvc[r % trustSvc.length] },
            Action: 'sts:AssumeRole',
          })
        : doc({
            Effect: 'Allow',
            Principal: {
              AWS: r % 3 === 0 ? root : `arn:aws:iam::${acct}:user/u${r % Math.max(1, opts.users)}`,
            },
            Action: 'sts:AssumeRole',
          });
    nodes.push({
      id,
      kind: 'AWSRole',
      name,
      account: acct,
      scope,
      props: { arn: id, path: '/', trustPolicy: trust as never },
    });
    edges.push({ type: 'AWS_CONTAINS', source: root, target: id, scope });
    // 1-3 managed policies; AdministratorAccess on 1 in 50 roles.
    const picks = new Set<number>([5 + (r % 30), 5 + ((r * 7) % 30)]);
    if (r % 50 === 0) picks.add(0);
    else if (r % 9 === 0) picks.add(1 + (r % 4));
    for (const p of picks)
      edges.push({
        type: 'AWS_HAS_POLICY',
        source: id,
        target: policyIds[p]!,
        key: policyIds[p]!,
        scope,
        props: { attachment: 'managed' },
      });
    if (r % 3 === 0) {
      const pid = `${id}#inline:extra`;
      nodes.push({
        id: pid,
        kind: 'AWSInlinePolicy',
        name: 'extra',
        account: acct,
        scope,
        props: {
          policyName: 'extra',
          ownerArn: id,
          document: doc({
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sqs:SendMessage'],
            Resource: `arn:aws:iam::${acct}:role/app-*`,
          }) as never,
        },
      });
      edges.push({
        type: 'AWS_HAS_POLICY',
        source: id,
        target: pid,
        key: pid,
        scope,
        props: { attachment: 'inline' },
      });
    }
    if (r % 4 === 0 && r % 8 === 0) {
      const fn = `arn:aws:lambda:us-east-1:${acct}:function:fn-${r}`;
      nodes.push({
        id: fn,
        kind: 'AWSLambdaFunction',
        name: `fn-${r}`,
        account: acct,
        scope,
        props: { arn: fn, roleArn: id },
      });
      edges.push({ type: 'AWS_RUNS_AS', source: fn, target: id, scope, props: { roleKind: 'execution' } });
    }
  }
  for (let g = 0; g < 10; g++) {
    const id = `arn:aws:iam::${acct}:group/g${g}`;
    nodes.push({ id, kind: 'AWSGroup', name: `g${g}`, account: acct, scope, props: { arn: id } });
    edges.push({
      type: 'AWS_HAS_POLICY',
      source: id,
      target: policyIds[5 + g * 2]!,
      key: policyIds[5 + g * 2]!,
      scope,
      props: { attachment: 'managed' },
    });
  }
  for (let u = 0; u < opts.users; u++) {
    const id = `arn:aws:iam::${acct}:user/u${u}`;
    nodes.push({
      id,
      kind: 'AWSUser',
      name: `u${u}`,
      account: acct,
      scope,
      props: { arn: id, accessKeyCount: u % 3, hasLoginProfile: u % 2 === 0 },
    });
    edges.push({ type: 'AWS_CONTAINS', source: root, target: id, scope });
    edges.push({ type: 'AWS_MEMBER_OF', source: id, target: `arn:aws:iam::${acct}:group/g${u % 10}`, scope });
    if (u % 25 === 0)
      edges.push({
        type: 'AWS_HAS_POLICY',
        source: id,
        target: policyIds[4]!,
        key: policyIds[4]!,
        scope,
        props: { attachment: 'managed' },
      });
  }
  return {
    schemaVersion: '1.0',
    scanId: `synthetic-aws-${opts.roles}`,
    provider: 'aws',
    createdAt: '2026-12-01T00:00:00Z',
    source: { kind: 'synthetic' },
    scopes: [
      { id: scope, provider: 'aws', kind: 'account', complete: true },
      { id: 'aws:global', provider: 'aws', kind: 'global', complete: true },
    ],
    nodes,
    edges,
    usage: [],
    gaps: [],
  };
}
