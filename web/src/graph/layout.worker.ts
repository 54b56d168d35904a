/**
 * Layout off the main thread: a headless Cytoscape runs fcose (overviews) or dagre
 * (left-to-right paths) and posts the positions back; the page applies them in one batch.
 */
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import fcose from 'cytoscape-fcose';

cytoscape.use(fcose);
cytoscape.use(dagre);

export interface LayoutRequest {
  id: number;
  layout: 'overview' | 'path';
  nodes: Array<{ id: string; size: number }>;
  edges: Array<{ id: string; source: string; target: string }>;
}
export interface LayoutResponse {
  id: number;
  positions: Record<string, { x: number; y: number }>;
  ms: number;
  error?: string;
}

/** Overviews above this many nodes get the draft layout, spread to a readable density. */
export const SPREAD_MIN = 300;

export function layoutOptions(kind: 'overview' | 'path', n: number): cytoscape.LayoutOptions {
  if (kind === 'path')
    return {
      name: 'dagre',
      rankDir: 'LR',
      nodeSep: 30,
      rankSep: 110,
      animate: false,
      fit: false,
    } as cytoscape.LayoutOptions;
  return {
    name: 'fcose',
    // Beyond SPREAD_MIN nodes the spectral (draft) layout alone, spread afterwards: the force
    // refinement costs seconds at 500 nodes on a slow machine and the page waits for it.
    quality: n > SPREAD_MIN ? 'draft' : 'default',
    randomize: true,
    animate: false,
    fit: false,
    nodeRepulsion: 6000,
    idealEdgeLength: 70,
    numIter: 2500,
    packComponents: true,
  } as cytoscape.LayoutOptions;
}

/** Target area per node (px²) when spreading: about a 60 px grid. */
const AREA_PER_NODE = 60 * 60;

/**
 * fcose's draft (spectral) layout packs thousands of nodes into a few hundred pixels, so the
 * fitted view sits zoomed in on a blob where every label is drawn. Scale positions about their
 * centre so the bounding box offers about AREA_PER_NODE per node; never shrink.
 */
export function spread(positions: Record<string, { x: number; y: number }>): void {
  const ps = Object.values(positions);
  if (ps.length < 2) return;
  let [x1, x2, y1, y2] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of ps) {
    if (p.x < x1) x1 = p.x;
    if (p.x > x2) x2 = p.x;
    if (p.y < y1) y1 = p.y;
    if (p.y > y2) y2 = p.y;
  }
  const area = Math.max(1, (x2 - x1) * (y2 - y1));
  const k = Math.sqrt((ps.length * AREA_PER_NODE) / area);
  if (!(k > 1) || !Number.isFinite(k)) return;
  const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
  for (const p of ps) {
    p.x = cx + (p.x - cx) * k;
    p.y = cy + (p.y - cy) * k;
  }
}

const ctx = self as unknown as DedicatedWorkerGlobalScope;
ctx.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  const req = ev.data;
  const t0 = performance.now();
  try {
    const cy = cytoscape({
      headless: true,
      styleEnabled: true,
      style: [{ selector: 'node', style: { width: 'data(size)', height: 'data(size)' } }],
      elements: [
        ...req.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, size: n.size } })),
        ...req.edges.map((e) => ({ group: 'edges' as const, data: e })),
      ],
    });
    cy.layout(layoutOptions(req.layout, req.nodes.length)).run();
    const positions: LayoutResponse['positions'] = {};
    cy.nodes().forEach((n) => {
      const p = n.position();
      positions[n.id()] = { x: p.x, y: p.y };
    });
    cy.destroy();
    if (req.layout === 'overview' && req.nodes.length > SPREAD_MIN) spread(positions);
    ctx.postMessage({ id: req.id, positions, ms: performance.now() - t0 } satisfies LayoutResponse);
  } catch (e) {
    ctx.postMessage({ id: req.id, positions: {}, ms: 0, error: String(e) } satisfies LayoutResponse);
  }
};
