/**
 * Webhook delivery of a scan diff: JSON POST, retried with backoff, bounded in time. It never
 * throws: the scan's data is already stored, and a failed delivery is reported, not fatal.
 */
import { AppError } from '../cypher/errors.js';

export interface WebhookResult {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export function checkWebhookUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('USAGE', `--webhook ${url}: not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new AppError('USAGE', `--webhook ${url}: only http and https URLs are supported`);
  }
  return u;
}

export async function postWebhook(
  url: string,
  body: unknown,
  opts: { attempts?: number; timeoutMs?: number; backoffMs?: number; headers?: Record<string, string> } = {},
): Promise<WebhookResult> {
  const attempts = opts.attempts ?? 3;
  const backoff = opts.backoffMs ?? 500;
  const payload = JSON.stringify(body);
  let last: WebhookResult = { delivered: false, attempts: 0 };
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'permgraph', ...opts.headers },
        body: payload,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts: i, status: res.status };
      last = { delivered: false, attempts: i, status: res.status, error: `HTTP ${res.status}` };
      // Client errors other than 408/429 will not get better by retrying.
      if (res.status < 500 && res.status !== 408 && res.status !== 429) return last;
    } catch (err) {
      last = { delivered: false, attempts: i, error: (err as Error).message };
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
  }
  return last;
}
