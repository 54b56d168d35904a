/**
 * Resource inventory and resource-based policies of one account (`resources/*.json` of the
 * collection layout): one table row per resource type, read by one function.
 */
import { AppError } from '../../../cypher/errors.js';
import { NodeKind } from '../../../cypher/schema/index.js';
import type { PropValue } from '../../snapshot/types.js';
import { ACCOUNT_ID, accountRootArn, accountScope, arnAccount } from './arn.js';
import { type AuthDetailsConverter, str, tagsObject } from './auth-details.js';
import type { SnapshotBuilder } from './builder.js';
import { readPolicyDocument, statementsOf } from './policy-document.js';
import { principalEntries } from './principals.js';

type Obj = Record<string, unknown>;

export interface ResourceType {
  /** File under resources/ and the list in it. */
  file: string;
  list: string;
  kind: NodeKind;
  arn(x: Obj, region: string, account: string): string | null;
  name(x: Obj): string | null;
  /** Role references: [field, roleKind]. */
  roles?: readonly (readonly [string, string])[];
  policy?(x: Obj): unknown;
  props?(x: Obj): Record<string, PropValue>;
  /** JSON path of the policy field inside an item (for messages). */
  policyPath?: string;
}

const last = (s: string | null, sep = '/') => (s ? s.slice(s.lastIndexOf(sep) + 1) : null);
const nameTag = (x: Obj) => {
  const t = tagsObject(x.Tags);
  return t?.Name ?? null;
};

export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    file: 'lambda.json',
    list: 'Functions',
    kind: NodeKind.AWSLambdaFunction,
    arn: (x) => str(x.FunctionArn),
    name: (x) => str(x.FunctionName),
    roles: [['Role', 'execution']],
    policy: (x) => x.Policy,
    policyPath: 'Policy',
    props: (x) => ({ runtime: str(x.Runtime) }),
  },
  {
    file: 'ec2.json',
    list: 'Instances',
    kind: NodeKind.AWSEC2Instance,
    arn: (x, region, account) =>
      str(x.InstanceId)
        ? `arn:aws:ec2:${region}:${str(x.OwnerId) ?? account}:instance/${x.InstanceId}`
        : null,
    name: (x) => nameTag(x) ?? str(x.InstanceId),
    props: (x) => ({
      instanceId: str(x.InstanceId),
      state: str((x.State as Obj | undefined)?.Name),
      instanceProfileArn: str((x.IamInstanceProfile as Obj | undefined)?.Arn),
      tags: tagsObject(x.Tags) ?? null,
    }),
  },
  {
    file: 'cloudformation.json',
    list: 'Stacks',
    kind: NodeKind.AWSCloudFormationStack,
    arn: (x) => str(x.StackId),
    name: (x) => str(x.StackName),
    roles: [['RoleARN', 'service']],
    props: (x) => ({ status: str(x.StackStatus), tags: tagsObject(x.Tags) ?? null }),
  },
  {
    file: 'glue.json',
    list: 'DevEndpoints',
    kind: NodeKind.AWSGlueDevEndpoint,
    arn: (x, region, account) =>
      str(x.EndpointName) ? `arn:aws:glue:${region}:${account}:devEndpoint/${x.EndpointName}` : null,
    name: (x) => str(x.EndpointName),
    roles: [['RoleArn', 'service']],
    props: (x) => ({ status: str(x.Status) }),
  },
  {
    file: 'glue.json',
    list: 'Jobs',
    kind: NodeKind.AWSGlueJob,
    arn: (x, region, account) => (str(x.Name) ? `arn:aws:glue:${region}:${account}:job/${x.Name}` : null),
    name: (x) => str(x.Name),
    roles: [['Role', 'service']],
  },
  {
    file: 'sagemaker.json',
    list: 'NotebookInstances',
    kind: NodeKind.AWSSageMakerNotebook,
    arn: (x) => str(x.NotebookInstanceArn),
    name: (x) => str(x.NotebookInstanceName),
    roles: [['RoleArn', 'execution']],
    props: (x) => ({ status: str(x.NotebookInstanceStatus) }),
  },
  {
    file: 'ecs.json',
    list: 'TaskDefinitions',
    kind: NodeKind.AWSECSTaskDefinition,
    arn: (x) => str(x.taskDefinitionArn),
    name: (x) => (str(x.family) ? `${x.family}:${x.revision ?? ''}` : last(str(x.taskDefinitionArn))),
    roles: [
      ['taskRoleArn', 'task'],
      ['executionRoleArn', 'execution'],
    ],
    props: (x) => ({ executionRoleArn: str(x.executionRoleArn) }),
  },
  {
    file: 'codebuild.json',
    list: 'Projects',
    kind: NodeKind.AWSCodeBuildProject,
    arn: (x) => str(x.arn),
    name: (x) => str(x.name),
    roles: [['serviceRole', 'service']],
  },
  {
    file: 's3.json',
    list: 'Buckets',
    kind: NodeKind.AWSS3Bucket,
    arn: (x) => (str(x.Name) ? `arn:aws:s3:::${x.Name}` : null),
    name: (x) => str(x.Name),
    policy: (x) => x.Policy,
    policyPath: 'Policy',
  },
  {
    file: 'kms.json',
    list: 'Keys',
    kind: NodeKind.AWSKMSKey,
    arn: (x) => str(x.KeyArn),
    name: (x) => str(x.KeyId),
    policy: (x) => x.Policy,
    policyPath: 'Policy',
  },
  {
    file: 'sqs.json',
    list: 'Queues',
    kind: NodeKind.AWSSQSQueue,
    arn: (x) => str((x.Attributes as Obj | undefined)?.QueueArn),
    name: (x) => last(str(x.QueueUrl)) ?? last(str((x.Attributes as Obj | undefined)?.QueueArn), ':'),
    policy: (x) => (x.Attributes as Obj | undefined)?.Policy,
    policyPath: 'Attributes.Policy',
  },
  {
    file: 'sns.json',
    list: 'Topics',
    kind: NodeKind.AWSSNSTopic,
    arn: (x) => str(x.TopicArn),
    name: (x) => last(str(x.TopicArn), ':'),
    policy: (x) => (x.Attributes as Obj | undefined)?.Policy,
    policyPath: 'Attributes.Policy',
  },
  {
    file: 'secretsmanager.json',
    list: 'Secrets',
    kind: NodeKind.AWSSecret,
    arn: (x) => str(x.ARN),
    name: (x) => str(x.Name),
    policy: (x) => x.ResourcePolicy,
    policyPath: 'ResourcePolicy',
  },
];

export const RESOURCE_FILES = [...new Set(RESOURCE_TYPES.map((t) => t.file))];

/** Who a resource policy admits beyond its own account. */
export function resourcePolicyReach(
  doc: Obj,
  account: string,
): { publicAccess: boolean; crossAccountAccess: boolean } {
  let publicAccess = false;
  let crossAccountAccess = false;
  for (const s of statementsOf(doc)) {
    if (s.Effect !== 'Allow') continue;
    for (const e of principalEntries(s.Principal)) {
      if (e.type === '*' || (e.type === 'AWS' && e.value === '*')) {
        if (!s.Condition) publicAccess = true;
        else crossAccountAccess = true;
        continue;
      }
      if (e.type !== 'AWS') continue;
      const acct = ACCOUNT_ID.test(e.value) ? e.value : arnAccount(e.value);
      if (acct && acct !== account) crossAccountAccess = true;
    }
  }
  return { publicAccess, crossAccountAccess };
}

function roleArnOf(value: string, account: string): string {
  return value.startsWith('arn:') ? value : `arn:aws:iam::${account}:role/${value}`;
}

/** Emits the resources of one `resources/<file>` document. */
export async function emitResources(
  b: SnapshotBuilder,
  conv: AuthDetailsConverter,
  fileName: string,
  doc: unknown,
  file: string,
): Promise<void> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: expected a JSON object`);
  const account = conv.account;
  const scope = accountScope(account);
  for (const t of RESOURCE_TYPES.filter((r) => r.file === fileName)) {
    const items = (doc as Obj)[t.list];
    if (items === undefined) continue;
    if (!Array.isArray(items))
      throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.${t.list} must be an array`);
    for (const [i, x] of (items as Obj[]).entries()) {
      const path = `$.${t.list}[${i}]`;
      const region = str(x.Region) ?? '';
      const arn = t.arn(x, region, account);
      if (!arn)
        throw new AppError(
          'NORMALIZE_MISSING_ID',
          `${file}: ${path} has no identifier to build its ARN from`,
        );
      let resourcePolicy: Obj | null = null;
      let reach = { publicAccess: false, crossAccountAccess: false };
      const raw = t.policy?.(x);
      if (raw !== undefined && raw !== null && raw !== '') {
        const d = readPolicyDocument(raw, `${path}.${t.policyPath}`);
        if (d.ok) {
          resourcePolicy = d.doc;
          reach = resourcePolicyReach(d.doc, account);
        } else conv.quarantine(file, d.path, d.message, arn, `resources:${fileName}`);
      }
      const roles = (t.roles ?? [])
        .map(([f, kind]) => [str(x[f]), kind] as const)
        .filter((r): r is readonly [string, string] => r[0] !== null)
        .map(([r, kind]) => [roleArnOf(r, account), kind] as const);
      await b.node({
        id: arn,
        kind: t.kind,
        name: t.name(x),
        scope,
        account,
        tenant: conv.ctx.tenant,
        props: {
          arn,
          region: region || null,
          resourcePolicy: resourcePolicy as PropValue,
          roleArn: roles[0]?.[0] ?? null,
          ...(t.policy ? reach : {}),
          ...(t.props?.(x) ?? {}),
        },
      });
      await b.edge({ type: 'AWS_CONTAINS', source: accountRootArn(account), target: arn });
      for (const [role, roleKind] of roles) {
        const acct = arnAccount(role) ?? account;
        b.stub({
          id: role,
          kind: NodeKind.AWSRole,
          scope: accountScope(acct),
          account: acct,
          name: last(role),
        });
        await b.edge({ type: 'AWS_RUNS_AS', source: arn, target: role, key: roleKind, props: { roleKind } });
      }
      const profile =
        t.kind === NodeKind.AWSEC2Instance ? str((x.IamInstanceProfile as Obj | undefined)?.Arn) : null;
      if (profile) {
        b.stub({ id: profile, kind: NodeKind.AWSInstanceProfile, scope, account, name: last(profile) });
        await b.edge({ type: 'AWS_HAS_INSTANCE_PROFILE', source: arn, target: profile });
        for (const role of conv.profiles.get(profile) ?? []) {
          await b.edge({
            type: 'AWS_RUNS_AS',
            source: arn,
            target: role,
            key: 'instance',
            props: { roleKind: 'instance' },
          });
        }
      }
    }
  }
}
