/**
 * How much Node heap the AWS evaluator needs. It holds the whole AWS model and its decision
 * caches while it evaluates, so its live heap grows with the number of principals. Measured on
 * the bench estates (docs/benchmarks.md): 40k principals run in a 1.5 GiB heap, 80k in 4 GiB
 * (2 GiB spends most of its time in GC), 200k in 6 GiB. Node's default limit is about 4 GiB on
 * a machine with 16 GiB or more, so estates past ~130k principals need a larger one.
 */
import { getHeapStatistics } from 'node:v8';

const MiB = 2 ** 20;
const BASE_MiB = 512;
const PER_PRINCIPAL_KiB = 28;

/** Heap (MiB) the evaluator is expected to need for `principals`, rounded up to a whole GiB. */
export function heapNeededMiB(principals: number): number {
  const raw = BASE_MiB + (principals * PER_PRINCIPAL_KiB) / 1024;
  return Math.ceil(raw / 1024) * 1024;
}

/**
 * A warning naming the setting to change when this process's heap limit is below what
 * `principals` need, or null when it is enough.
 */
export function heapAdvice(
  principals: number,
  limitBytes = getHeapStatistics().heap_size_limit,
): string | null {
  const need = heapNeededMiB(principals);
  const have = Math.floor(limitBytes / MiB);
  if (have >= need) return null;
  return (
    `aws derive: ${principals.toLocaleString('en-US')} principals need about ${need / 1024} GiB of Node heap to evaluate ` +
    `and this process may use ${(have / 1024).toFixed(1)} GiB; it may fail with "JavaScript heap out of memory" ` +
    `or slow down in garbage collection. Run it with NODE_OPTIONS=--max-old-space-size=${need} ` +
    '(and about as much free memory besides Neo4j).'
  );
}
