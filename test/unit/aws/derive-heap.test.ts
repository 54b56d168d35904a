import { describe, expect, it } from 'vitest';
import { heapAdvice, heapNeededMiB } from '../../../ingest/aws/derive/heap.js';

const GiB = 2 ** 30;

describe('AWS derive heap advice', () => {
  it('sizes the heap from the principals, in whole GiB, matching the bench estates', () => {
    expect(heapNeededMiB(1_000)).toBe(1024);
    expect(heapNeededMiB(20_084)).toBe(2048); // M
    expect(heapNeededMiB(80_000)).toBe(3072); // 100 accounts: ran in 4 GiB, crawled in 2 GiB
    expect(heapNeededMiB(201_277)).toBe(6144); // L: ran in 6 GiB
  });

  it('says nothing when the limit is enough, and names the NODE_OPTIONS setting when it is not', () => {
    expect(heapAdvice(20_084, 4 * GiB)).toBeNull();
    expect(heapAdvice(201_277, 6 * GiB)).toBeNull();
    const advice = heapAdvice(201_277, 4144 * 2 ** 20);
    expect(advice).toContain('201,277 principals');
    expect(advice).toContain('6 GiB');
    expect(advice).toContain('4.0 GiB');
    expect(advice).toContain('NODE_OPTIONS=--max-old-space-size=6144');
  });
});
