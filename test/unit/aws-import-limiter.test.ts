import { describe, expect, it } from 'vitest';
import { gapReason, Limiter } from '../../ingest/aws/collect/limiter.js';

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

describe('collector limiter', () => {
  it('keeps at most N calls in flight', async () => {
    const l = new Limiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        l.run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('retries throttling with backoff, honouring Retry-After, then gives up', async () => {
    const l = new Limiter(2, 3, 1);
    let calls = 0;
    const t0 = Date.now();
    const v = await l.run(async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(throttle(), { $response: { headers: { 'retry-after': '1' } } });
      if (calls < 3) throw throttle();
      return 'ok';
    });
    expect(v).toBe('ok');
    expect(calls).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // waited the Retry-After second
    expect(l.throttled).toBe(2);
    let n = 0;
    await expect(
      l.run(async () => {
        n += 1;
        throw throttle();
      }),
    ).rejects.toThrow('Rate exceeded');
    expect(n).toBe(4);
  });

  it('does not retry other errors and classifies them for gaps', async () => {
    const l = new Limiter(1);
    let n = 0;
    const denied = Object.assign(new Error('no'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      l.run(async () => {
        n += 1;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(n).toBe(1);
    expect(gapReason(denied)).toBe('AccessDenied');
    expect(gapReason(Object.assign(new Error(), { name: 'AccessDeniedException' }))).toBe('AccessDenied');
    expect(gapReason(throttle())).toBe('Throttled');
    expect(gapReason(Object.assign(new Error(), { name: 'NoSuchEntity' }))).toBe('NotFound');
    expect(gapReason(new Error('boom'))).toBe('Error');
  });
});
