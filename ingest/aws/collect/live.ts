/**
 * The AWS collector as the pipeline's live-collection hook (`permgraph scan --collect aws`,
 * scheduled scans): collect into a directory, and fail when no account could be read at all
 * (a partial account is imported as partial, as `permgraph collect aws` does).
 */
import path from 'node:path';
import { AppError } from '../../../cypher/errors.js';
import type { LiveCollectOptions, LiveCollectResult } from '../../pipeline.js';
import { type CollectAwsResult, collectAws } from './index.js';

/** Regions for the resource inventory when none are given. */
export function defaultRegions(): string[] {
  return [process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'];
}

/**
 * Warns about accounts collected with gaps (they import as partial) and fails when no account
 * could be read at all.
 */
export function checkCollection(result: CollectAwsResult, warn: (message: string) => void): void {
  for (const a of result.accounts.filter((x) => !x.complete))
    warn(
      `aws:${a.id}: ${a.gaps} gap(s); the account is imported as partial (see ${path.join(result.out, 'gaps.json')})`,
    );
  const unreadable = (id: string) =>
    result.gaps.some((g) => g.scope === `aws:${id}` && g.api === 'iam:GetAccountAuthorizationDetails');
  if (result.accounts.every((a) => a.gaps > 0 && unreadable(a.id))) {
    const denied = result.gaps.some((g) => g.reason === 'AccessDenied');
    throw new AppError(
      denied ? 'COLLECT_ACCESS_DENIED' : 'COLLECT_FAILED',
      `No account could be read (iam:GetAccountAuthorizationDetails failed everywhere); see ${path.join(result.out, 'gaps.json')}`,
    );
  }
}

export async function collectAwsLive(opts: LiveCollectOptions): Promise<LiveCollectResult> {
  if (!opts.out) throw new AppError('USAGE', 'collect aws: no output directory');
  const regions = opts.regions?.length ? opts.regions : defaultRegions();
  const result = await collectAws({
    out: opts.out,
    regions,
    ...(opts.profile ? { profile: opts.profile } : {}),
    org: Boolean(opts.org),
    roleName: opts.roleName ?? 'OrganizationAccountAccessRole',
    ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    log: opts.log,
    ...(opts.now ? { now: opts.now } : {}),
  });
  checkCollection(result, (m) => opts.log(m));
  return { out: result.out, accounts: result.accounts, gaps: result.gaps.length, ms: result.ms };
}
