/**
 * Resource inventory and resource-based policies, one entry per service (the registry), each
 * writing `resources/<file>` in the shape the importer's table reads (docs/aws-collection-layout.md).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetProjectsCommand, CodeBuildClient, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { GetDevEndpointsCommand, GetJobsCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetKeyPolicyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetPolicyCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  GetResourcePolicyCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AccountRun, attempt, clientConfig, mapLimit } from './context.js';
import { errorName } from './limiter.js';

type Obj = Record<string, unknown>;

/** A call whose "not found" answer means "no policy" rather than a gap. */
async function optional<T>(
  run: AccountRun,
  api: string,
  fn: () => Promise<T>,
  resource: string,
): Promise<T | null | undefined> {
  try {
    return await run.limiter.run(fn);
  } catch (err) {
    if (/NotFound|NoSuch/.test(errorName(err))) return null;
    return attempt(run, api, () => Promise.reject(err), resource);
  }
}

async function paged<P>(
  fetch: (token?: string) => Promise<P | undefined>,
  next: (p: P) => string | undefined,
): Promise<P[] | undefined> {
  const out: P[] = [];
  let token: string | undefined;
  do {
    const p = await fetch(token);
    if (p === undefined) return undefined;
    out.push(p);
    token = next(p);
  } while (token);
  return out;
}

export interface ResourceCollector {
  file: string;
  /** Global services are read once (in the first region). */
  global?: boolean;
  /** Returns the file's lists for one region, or undefined when the listing failed (a gap). */
  collect(run: AccountRun, region: string): Promise<Record<string, Obj[]> | undefined>;
}

const tag = <T extends Obj>(items: T[], region: string) => items.map((x) => ({ ...x, Region: region }));

export const RESOURCE_COLLECTORS: readonly ResourceCollector[] = [
  {
    file: 'lambda.json',
    async collect(run, region) {
      const c = new LambdaClient(clientConfig(run.access, region));
      const pages = await paged(
        (m) => attempt(run, 'lambda:ListFunctions', () => c.send(new ListFunctionsCommand({ Marker: m }))),
        (p) => p.NextMarker,
      );
      if (!pages) return undefined;
      const fns = pages.flatMap((p) => p.Functions ?? []);
      const Functions = await mapLimit(fns, 4, async (f) => {
        const pol = await optional(
          run,
          'lambda:GetPolicy',
          () => c.send(new GetPolicyCommand({ FunctionName: f.FunctionName })),
          f.FunctionArn ?? '',
        );
        return { ...f, Region: region, Policy: pol?.Policy ?? null } as Obj;
      });
      return { Functions };
    },
  },
  {
    file: 'ec2.json',
    async collect(run, region) {
      const c = new EC2Client(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'ec2:DescribeInstances', () => c.send(new DescribeInstancesCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      const Instances = pages.flatMap((p) =>
        (p.Reservations ?? []).flatMap((r) =>
          (r.Instances ?? []).map((i) => ({ ...i, OwnerId: r.OwnerId, Region: region }) as Obj),
        ),
      );
      return { Instances };
    },
  },
  {
    file: 'cloudformation.json',
    async collect(run, region) {
      const c = new CloudFormationClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'cloudformation:DescribeStacks', () =>
            c.send(new DescribeStacksCommand({ NextToken: t })),
          ),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      return { Stacks: tag(pages.flatMap((p) => p.Stacks ?? []) as unknown as Obj[], region) };
    },
  },
  {
    file: 'glue.json',
    async collect(run, region) {
      const c = new GlueClient(clientConfig(run.access, region));
      const eps = await paged(
        (t) =>
          attempt(run, 'glue:GetDevEndpoints', () => c.send(new GetDevEndpointsCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      const jobs = await paged(
        (t) => attempt(run, 'glue:GetJobs', () => c.send(new GetJobsCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      if (!eps && !jobs) return undefined;
      return {
        DevEndpoints: tag((eps ?? []).flatMap((p) => p.DevEndpoints ?? []) as unknown as Obj[], region),
        Jobs: tag((jobs ?? []).flatMap((p) => p.Jobs ?? []) as unknown as Obj[], region),
      };
    },
  },
  {
    file: 'sagemaker.json',
    async collect(run, region) {
      const c = new SageMakerClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'sagemaker:ListNotebookInstances', () =>
            c.send(new ListNotebookInstancesCommand({ NextToken: t })),
          ),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      const names = pages.flatMap((p) => p.NotebookInstances ?? []).map((n) => n.NotebookInstanceName!);
      const NotebookInstances = (
        await mapLimit(names, 4, (n) =>
          attempt(
            run,
            'sagemaker:DescribeNotebookInstance',
            () => c.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: n })),
            n,
          ),
        )
      )
        .filter((d) => d !== undefined)
        .map(({ $metadata: _m, ...d }) => ({ ...d, Region: region }) as Obj);
      return { NotebookInstances };
    },
  },
  {
    file: 'ecs.json',
    async collect(run, region) {
      const c = new ECSClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'ecs:ListTaskDefinitions', () =>
            c.send(new ListTaskDefinitionsCommand({ nextToken: t, status: 'ACTIVE' })),
          ),
        (p) => p.nextToken,
      );
      if (!pages) return undefined;
      const arns = pages.flatMap((p) => p.taskDefinitionArns ?? []);
      const TaskDefinitions = (
        await mapLimit(arns, 4, (a) =>
          attempt(
            run,
            'ecs:DescribeTaskDefinition',
            () => c.send(new DescribeTaskDefinitionCommand({ taskDefinition: a })),
            a,
          ),
        )
      )
        .filter((d) => d?.taskDefinition)
        .map((d) => ({ ...d!.taskDefinition, Region: region }) as Obj);
      return { TaskDefinitions };
    },
  },
  {
    file: 'codebuild.json',
    async collect(run, region) {
      const c = new CodeBuildClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'codebuild:ListProjects', () => c.send(new ListProjectsCommand({ nextToken: t }))),
        (p) => p.nextToken,
      );
      if (!pages) return undefined;
      const names = pages.flatMap((p) => p.projects ?? []);
      const Projects: Obj[] = [];
      for (let i = 0; i < names.length; i += 100) {
        const r = await attempt(run, 'codebuild:BatchGetProjects', () =>
          c.send(new BatchGetProjectsCommand({ names: names.slice(i, i + 100) })),
        );
        Projects.push(...tag((r?.projects ?? []) as unknown as Obj[], region));
      }
      return { Projects };
    },
  },
  {
    file: 's3.json',
    global: true,
    async collect(run, region) {
      const c = new S3Client({
        ...clientConfig(run.access, region),
        forcePathStyle: Boolean(run.access.endpoint),
      });
      const list = await attempt(run, 's3:ListBuckets', () => c.send(new ListBucketsCommand({})));
      if (!list) return undefined;
      const Buckets = await mapLimit(list.Buckets ?? [], 4, async (b) => {
        const loc = await optional(
          run,
          's3:GetBucketLocation',
          () => c.send(new GetBucketLocationCommand({ Bucket: b.Name })),
          b.Name ?? '',
        );
        const bucketRegion = loc?.LocationConstraint || 'us-east-1';
        const rc =
          bucketRegion === region
            ? c
            : new S3Client({
                ...clientConfig(run.access, bucketRegion),
                forcePathStyle: Boolean(run.access.endpoint),
              });
        const pol = await optional(
          run,
          's3:GetBucketPolicy',
          () => rc.send(new GetBucketPolicyCommand({ Bucket: b.Name })),
          b.Name ?? '',
        );
        return { ...b, Region: bucketRegion, Policy: pol?.Policy ?? null } as Obj;
      });
      return { Buckets };
    },
  },
  {
    file: 'kms.json',
    async collect(run, region) {
      const c = new KMSClient(clientConfig(run.access, region));
      const pages = await paged(
        (m) => attempt(run, 'kms:ListKeys', () => c.send(new ListKeysCommand({ Marker: m }))),
        (p) => (p.Truncated ? p.NextMarker : undefined),
      );
      if (!pages) return undefined;
      const Keys = await mapLimit(
        pages.flatMap((p) => p.Keys ?? []),
        4,
        async (k) => {
          const pol = await optional(
            run,
            'kms:GetKeyPolicy',
            () => c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' })),
            k.KeyArn ?? '',
          );
          return { ...k, Region: region, Policy: pol?.Policy ?? null } as Obj;
        },
      );
      return { Keys };
    },
  },
  {
    file: 'sqs.json',
    async collect(run, region) {
      const c = new SQSClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) => attempt(run, 'sqs:ListQueues', () => c.send(new ListQueuesCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      const Queues = await mapLimit(
        pages.flatMap((p) => p.QueueUrls ?? []),
        4,
        async (url) => {
          const a = await attempt(
            run,
            'sqs:GetQueueAttributes',
            () =>
              c.send(
                new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
              ),
            url,
          );
          return { QueueUrl: url, Region: region, Attributes: a?.Attributes ?? {} } as Obj;
        },
      );
      return { Queues };
    },
  },
  {
    file: 'sns.json',
    async collect(run, region) {
      const c = new SNSClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) => attempt(run, 'sns:ListTopics', () => c.send(new ListTopicsCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      const Topics = await mapLimit(
        pages.flatMap((p) => p.Topics ?? []),
        4,
        async (t) => {
          const a = await attempt(
            run,
            'sns:GetTopicAttributes',
            () => c.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn })),
            t.TopicArn,
          );
          return { TopicArn: t.TopicArn, Region: region, Attributes: a?.Attributes ?? {} } as Obj;
        },
      );
      return { Topics };
    },
  },
  {
    file: 'secretsmanager.json',
    async collect(run, region) {
      const c = new SecretsManagerClient(clientConfig(run.access, region));
      const pages = await paged(
        (t) =>
          attempt(run, 'secretsmanager:ListSecrets', () => c.send(new ListSecretsCommand({ NextToken: t }))),
        (p) => p.NextToken,
      );
      if (!pages) return undefined;
      const Secrets = await mapLimit(
        pages.flatMap((p) => p.SecretList ?? []),
        4,
        async (s) => {
          const pol = await optional(
            run,
            'secretsmanager:GetResourcePolicy',
            () => c.send(new GetResourcePolicyCommand({ SecretId: s.ARN })),
            s.ARN ?? '',
          );
          return { ...s, Region: region, ResourcePolicy: pol?.ResourcePolicy ?? null } as Obj;
        },
      );
      return { Secrets };
    },
  },
];

/** Every resource file of one account over its regions; failures are gaps. */
export async function collectResources(run: AccountRun): Promise<Map<string, Record<string, Obj[]>>> {
  const out = new Map<string, Record<string, Obj[]>>();
  const jobs = RESOURCE_COLLECTORS.flatMap((c) =>
    (c.global ? [run.regions[0]!] : run.regions).map((r) => [c, r] as const),
  );
  await mapLimit(jobs, 4, async ([c, region]) => {
    const r = await c.collect(run, region);
    if (!r) return;
    const acc = out.get(c.file) ?? {};
    for (const [k, v] of Object.entries(r)) acc[k] = [...(acc[k] ?? []), ...v];
    out.set(c.file, acc);
  });
  return out;
}
