/**
 * Bounded concurrency and our own backoff on throttling, on top of the SDK's adaptive retry
 * strategy: a throttled call that exhausted the SDK's attempts waits (Retry-After when the
 * service sends one, else exponential backoff with jitter) and is tried again a few times.
 */
import type { GapReason } from '../../snapshot/types.js';

const THROTTLE = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
]);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedAccess',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'AccessDeniedForDependencyException',
]);
const UNSUPPORTED = new Set([
  'NotImplemented',
  'NotImplementedException',
  'UnsupportedOperation',
  'InvalidAction',
]);

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

export function errorName(err: unknown): string {
  const e = err as SdkError;
  return e?.name ?? e?.Code ?? 'Error';
}

export function isThrottle(err: unknown): boolean {
  const e = err as SdkError;
  return THROTTLE.has(errorName(err)) || e?.$metadata?.httpStatusCode === 429;
}

export function gapReason(err: unknown): GapReason {
  const n = errorName(err);
  if (DENIED.has(n) || (err as SdkError)?.$metadata?.httpStatusCode === 403) return 'AccessDenied';
  if (isThrottle(err)) return 'Throttled';
  if (UNSUPPORTED.has(n)) return 'Unsupported';
  if (/NotFound|NoSuch/.test(n)) return 'NotFound';
  return 'Error';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  throttled = 0;

  constructor(
    private readonly max: number,
    private readonly retries = 4,
    private readonly baseDelayMs = 500,
  ) {}

  private async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active -= 1;
  }

  /** Runs `fn` within the concurrency bound, retrying throttling errors with backoff. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      let failure: unknown;
      try {
        return await fn();
      } catch (err) {
        failure = err;
      } finally {
        this.release();
      }
      if (!isThrottle(failure) || attempt >= this.retries) throw failure;
      this.throttled += 1;
      const ra = Number((failure as SdkError).$response?.headers?.['retry-after']);
      const wait =
        Number.isFinite(ra) && ra > 0 ? ra * 1000 : this.baseDelayMs * 2 ** attempt * (0.5 + Math.random());
      await sleep(Math.min(wait, 30_000));
    }
  }
}
