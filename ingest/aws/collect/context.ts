/** What every collector of one account gets: client settings, the limiter, gap recording. */
import type { SnapshotGap } from '../../snapshot/types.js';
import { errorName, gapReason, type Limiter } from './limiter.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsAccess {
  region: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
}

/** SDK client configuration: adaptive retry strategy, optional profile / endpoint override. */
export function clientConfig(a: AwsAccess, region = a.region) {
  return {
    region,
    maxAttempts: 6,
    retryMode: 'adaptive',
    ...(a.credentials ? { credentials: a.credentials } : a.profile ? { profile: a.profile } : {}),
    ...(a.endpoint ? { endpoint: a.endpoint } : {}),
  };
}

export interface AccountRun {
  account: string;
  access: AwsAccess;
  regions: string[];
  limiter: Limiter;
  gaps: SnapshotGap[];
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Runs one API call; a failure becomes a gap of the account and `undefined`. */
export async function attempt<T>(
  run: AccountRun,
  api: string,
  fn: () => Promise<T>,
  resource?: string,
): Promise<T | undefined> {
  try {
    return await run.limiter.run(fn);
  } catch (err) {
    recordGap(run, api, err, resource);
    return undefined;
  }
}

export function recordGap(run: AccountRun, api: string, err: unknown, resource?: string): void {
  const reason = gapReason(err);
  const message = `${errorName(err)}: ${(err as Error)?.message ?? String(err)}`.slice(0, 500);
  run.gaps.push({ scope: `aws:${run.account}`, api, reason, message, ...(resource ? { resource } : {}) });
  run.log(`gap in aws:${run.account}: ${api} ${reason}`, resource ? { resource } : undefined);
}

/** Strips SDK response metadata so files hold the documented response shapes. */
export function raw<T extends object>(r: T): Omit<T, '$metadata'> {
  const { $metadata: _m, ...rest } = r as T & { $metadata?: unknown };
  return rest;
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
