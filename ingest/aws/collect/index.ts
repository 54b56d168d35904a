/**
 * `permgraph collect aws`: reads one account (or every account of an organization through a
 * role assumed in each member) with the official SDK and writes the raw API responses in the
 * collection layout (docs/aws-collection-layout.md), which `permgraph import DIR` converts
 * offline. Collectors never touch the graph.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AppError, errorMessage } from '../../../cypher/errors.js';
import type { SnapshotGap } from '../../snapshot/types.js';
import { MANIFEST } from '../import/index.js';
import { type AccountRun, type AwsAccess, attempt, clientConfig, mapLimit } from './context.js';
import {
  collectAccessAdvisor,
  collectAccessKeys,
  collectAuthorizationDetails,
  collectCredentialReport,
  iamClient,
} from './iam.js';
import { errorName, gapReason, Limiter } from './limiter.js';
import { collectOrganization } from './organizations.js';
import { collectResources } from './resources.js';

export const COLLECTOR_VERSION = 'permgraph collect aws 0.1.0';

// The pinned SDK versions support Node 20; their notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface CollectAwsOptions {
  out: string;
  regions: string[];
  profile?: string;
  org?: boolean;
  roleName?: string;
  endpointUrl?: string;
  /** API calls in flight at once (default 8). */
  concurrency?: number;
  /** Accounts collected side by side (default 2). */
  accountConcurrency?: number;
  /** Poll interval of asynchronous IAM jobs (credential report, access advisor). */
  pollMs?: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
  now?: Date;
}

export interface CollectAwsResult {
  out: string;
  callerAccount: string;
  organizationId: string | null;
  accounts: { id: string; complete: boolean; gaps: number }[];
  gaps: SnapshotGap[];
  throttled: number;
  ms: number;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;

async function writeJson(file: string, v: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, json(v));
}

/** Collects one account's IAM, usage and resources into accounts/<id>/. */
async function collectAccount(run: AccountRun, dir: string, pollMs: number): Promise<void> {
  const iam = iamClient(run);
  const auth = await collectAuthorizationDetails(run, iam);
  if (auth) await writeJson(path.join(dir, 'authorization-details.json'), auth);
  const users = (auth?.UserDetailList ?? []).map((u) => u.UserName!).filter(Boolean);
  const [keys, report, advisor, resources] = await Promise.all([
    auth ? collectAccessKeys(run, iam, users) : Promise.resolve(undefined),
    collectCredentialReport(run, iam, pollMs),
    auth
      ? collectAccessAdvisor(
          run,
          iam,
          [...(auth.UserDetailList ?? []), ...(auth.RoleDetailList ?? [])].map((p) => p.Arn!).filter(Boolean),
          pollMs,
        )
      : Promise.resolve(undefined),
    collectResources(run),
  ]);
  if (keys) await writeJson(path.join(dir, 'access-keys.json'), keys);
  if (report !== undefined) {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'credential-report.csv'), report);
  }
  if (advisor) await writeJson(path.join(dir, 'access-advisor.json'), advisor);
  for (const [file, doc] of resources) await writeJson(path.join(dir, 'resources', file), doc);
}

export async function collectAws(opts: CollectAwsOptions): Promise<CollectAwsResult> {
  const t0 = Date.now();
  const now = opts.now ?? new Date();
  const regions = opts.regions.length > 0 ? opts.regions : ['us-east-1'];
  const base: AwsAccess = {
    region: regions[0]!,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  };
  const limiter = new Limiter(opts.concurrency ?? 8);
  const pollMs = opts.pollMs ?? 2000;
  const sts = new STSClient(clientConfig(base));
  let caller: string;
  try {
    caller = (await limiter.run(() => sts.send(new GetCallerIdentityCommand({})))).Account!;
  } catch (err) {
    const denied = gapReason(err) === 'AccessDenied';
    throw new AppError(
      denied ? 'COLLECT_ACCESS_DENIED' : 'COLLECT_FAILED',
      `AWS credentials${opts.profile ? ` of profile ${opts.profile}` : ''} do not work: ${errorName(err)}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  opts.log(`collecting AWS as account ${caller}`, { regions, org: Boolean(opts.org) });
  const out = path.resolve(opts.out);
  await mkdir(out, { recursive: true });
  const gaps: SnapshotGap[] = [];
  const runFor = (account: string, access: AwsAccess): AccountRun => ({
    account,
    access,
    regions,
    limiter,
    gaps,
    log: opts.log,
  });

  let accounts: string[] = [caller];
  let orgId: string | null = null;
  let management: string | null = null;
  if (opts.org) {
    const org = await collectOrganization(runFor(caller, base));
    if (org) {
      orgId = org.orgId;
      management = org.managementAccountId;
      await writeJson(path.join(out, 'organization.json'), org.doc);
      accounts = [
        caller,
        ...org.accounts.filter((a) => a.id !== caller && a.status !== 'SUSPENDED').map((a) => a.id),
      ];
      opts.log(`organization ${orgId}: ${org.accounts.length} accounts`);
    }
  }
  const roleName = opts.roleName ?? 'OrganizationAccountAccessRole';
  await mapLimit(accounts, opts.accountConcurrency ?? 2, async (account) => {
    let access = base;
    if (account !== caller) {
      const run = runFor(account, base);
      const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
      const assumed = await attempt(
        run,
        'sts:AssumeRole',
        () =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: roleArn,
              RoleSessionName: 'permgraph-collect',
              DurationSeconds: 3600,
            }),
          ),
        roleArn,
      );
      const c = assumed?.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) return;
      access = {
        ...base,
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          ...(c.Expiration ? { expiration: c.Expiration } : {}),
        },
      };
    }
    await collectAccount(runFor(account, access), path.join(out, 'accounts', account), pollMs);
    opts.log(`collected account ${account}`);
  });

  const summary = accounts.map((id) => {
    const n = gaps.filter((g) => g.scope === `aws:${id}`).length;
    return { id, complete: n === 0, gaps: n };
  });
  await writeJson(path.join(out, 'gaps.json'), gaps);
  await writeJson(path.join(out, MANIFEST), {
    format: 'permgraph-aws-collection',
    version: 1,
    collectedAt: now.toISOString(),
    tool: COLLECTOR_VERSION,
    organizationId: orgId,
    managementAccountId: management,
    regions,
    accounts: summary.map(({ id, complete }) => ({ id, complete })),
  });
  return {
    out,
    callerAccount: caller,
    organizationId: orgId,
    accounts: summary,
    gaps,
    throttled: limiter.throttled,
    ms: Date.now() - t0,
  };
}
