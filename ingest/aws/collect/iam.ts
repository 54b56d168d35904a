/** IAM of one account: authorization details, access keys, credential report, access advisor. */
import {
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetCredentialReportCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { type AccountRun, attempt, clientConfig, mapLimit, raw, recordGap, sleep } from './context.js';

export interface AuthDetails {
  UserDetailList: NonNullable<GetAccountAuthorizationDetailsCommandOutput['UserDetailList']>;
  GroupDetailList: NonNullable<GetAccountAuthorizationDetailsCommandOutput['GroupDetailList']>;
  RoleDetailList: NonNullable<GetAccountAuthorizationDetailsCommandOutput['RoleDetailList']>;
  Policies: NonNullable<GetAccountAuthorizationDetailsCommandOutput['Policies']>;
}

export function iamClient(run: AccountRun): IAMClient {
  // IAM is global; its endpoint lives in us-east-1 (for the aws partition).
  return new IAMClient(clientConfig(run.access, 'us-east-1'));
}

/** GetAccountAuthorizationDetails with paging, pages merged. */
export async function collectAuthorizationDetails(
  run: AccountRun,
  iam: IAMClient,
): Promise<AuthDetails | undefined> {
  const out: AuthDetails = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await attempt(run, 'iam:GetAccountAuthorizationDetails', () =>
      iam.send(
        new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }),
      ),
    );
    if (!page) return undefined;
    pages += 1;
    out.UserDetailList.push(...(page.UserDetailList ?? []));
    out.GroupDetailList.push(...(page.GroupDetailList ?? []));
    out.RoleDetailList.push(...(page.RoleDetailList ?? []));
    out.Policies.push(...(page.Policies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  run.log(`aws:${run.account}: authorization details in ${pages} page(s)`, {
    users: out.UserDetailList.length,
    roles: out.RoleDetailList.length,
    policies: out.Policies.length,
  });
  return out;
}

/** ListAccessKeys per user and GetAccessKeyLastUsed per key. */
export async function collectAccessKeys(
  run: AccountRun,
  iam: IAMClient,
  users: string[],
): Promise<unknown[] | undefined> {
  let complete = true;
  const perUser = await mapLimit(users, 8, async (user) => {
    const keys: unknown[] = [];
    let marker: string | undefined;
    do {
      const page = await attempt(
        run,
        'iam:ListAccessKeys',
        () => iam.send(new ListAccessKeysCommand({ UserName: user, ...(marker ? { Marker: marker } : {}) })),
        user,
      );
      if (!page) {
        complete = false;
        return keys;
      }
      for (const k of page.AccessKeyMetadata ?? []) {
        const lu = await attempt(
          run,
          'iam:GetAccessKeyLastUsed',
          () => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId })),
          k.AccessKeyId,
        );
        keys.push({ ...k, ...(lu?.AccessKeyLastUsed ? { LastUsed: lu.AccessKeyLastUsed } : {}) });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return keys;
  });
  return complete || perUser.some((k) => k.length > 0) ? perUser.flat() : undefined;
}

/** GenerateCredentialReport until it is ready, then its CSV content. */
export async function collectCredentialReport(
  run: AccountRun,
  iam: IAMClient,
  pollMs = 2000,
): Promise<string | undefined> {
  for (let i = 0; i < 30; i++) {
    const g = await attempt(run, 'iam:GenerateCredentialReport', () =>
      iam.send(new GenerateCredentialReportCommand({})),
    );
    if (!g) return undefined;
    if (g.State === 'COMPLETE') break;
    await sleep(pollMs);
  }
  const r = await attempt(run, 'iam:GetCredentialReport', () => iam.send(new GetCredentialReportCommand({})));
  if (!r?.Content) return undefined;
  return Buffer.from(r.Content).toString('utf8');
}

/** Service last-accessed details (ACTION_LEVEL) per principal: one job each, polled to completion. */
export async function collectAccessAdvisor(
  run: AccountRun,
  iam: IAMClient,
  arns: string[],
  pollMs = 1000,
): Promise<unknown[] | undefined> {
  let denied = false;
  const results = await mapLimit(arns, 4, async (arn) => {
    if (denied) return undefined;
    let job: string | undefined;
    try {
      job = (
        await run.limiter.run(() =>
          iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'ACTION_LEVEL' })),
        )
      ).JobId;
    } catch (err) {
      recordGap(run, 'iam:GenerateServiceLastAccessedDetails', err, arn);
      if (run.gaps.at(-1)?.reason === 'AccessDenied' || run.gaps.at(-1)?.reason === 'Unsupported')
        denied = true;
      return undefined;
    }
    if (!job) return undefined;
    for (let i = 0; i < 60; i++) {
      const first = await attempt(
        run,
        'iam:GetServiceLastAccessedDetails',
        () => iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: job })),
        arn,
      );
      if (!first) return undefined;
      if (first.JobStatus === 'IN_PROGRESS') {
        await sleep(pollMs);
        continue;
      }
      if (first.JobStatus === 'FAILED') {
        run.gaps.push({
          scope: `aws:${run.account}`,
          api: 'iam:GetServiceLastAccessedDetails',
          reason: 'Error',
          message: first.Error?.Message ?? 'job failed',
          resource: arn,
        });
        return undefined;
      }
      const services = [...(first.ServicesLastAccessed ?? [])];
      let page: GetServiceLastAccessedDetailsCommandOutput | undefined = first;
      while (page?.IsTruncated && page.Marker) {
        const marker: string = page.Marker;
        page = await attempt(run, 'iam:GetServiceLastAccessedDetails', () =>
          iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: job, Marker: marker })),
        );
        services.push(...(page?.ServicesLastAccessed ?? []));
      }
      const { ServicesLastAccessed: _s, IsTruncated: _t, Marker: _m, ...rest } = raw(first);
      return { Arn: arn, ...rest, ServicesLastAccessed: services };
    }
    run.gaps.push({
      scope: `aws:${run.account}`,
      api: 'iam:GetServiceLastAccessedDetails',
      reason: 'Error',
      message: 'the job did not complete in time',
      resource: arn,
    });
    return undefined;
  });
  const done = results.filter((r) => r !== undefined);
  return done.length > 0 || arns.length === 0 ? done : undefined;
}
