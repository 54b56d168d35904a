/**
 * The layout web worker: computes positions (./layout.ts) off the main thread and posts them
 * back; the page then adds the elements at those positions.
 */
import { computeLayout, type LayoutRequest, type LayoutResponse } from './layout';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
ctx.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  const req = ev.data;
  const t0 = performance.now();
  try {
    const positions = computeLayout(req);
    ctx.postMessage({ id: req.id, positions, ms: performance.now() - t0 } satisfies LayoutResponse);
  } catch (e) {
    ctx.postMessage({ id: req.id, positions: {}, ms: 0, error: String(e) } satisfies LayoutResponse);
  }
};
