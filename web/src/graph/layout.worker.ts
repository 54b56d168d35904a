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
    quality: n > 1000 ? 'draft' : 'default',
    randomize: true,
    animate: false,
    fit: false,
    nodeRepulsion: 6000,
    idealEdgeLength: 70,
    numIter: n > 1000 ? 1000 : 2500,
    packComponents: true,
  } as cytoscape.LayoutOptions;
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
      positions[n.id()] = n.position();
    });
    cy.destroy();
    ctx.postMessage({ id: req.id, positions, ms: performance.now() - t0 } satisfies LayoutResponse);
  } catch (e) {
    ctx.postMessage({ id: req.id, positions: {}, ms: 0, error: String(e) } satisfies LayoutResponse);
  }
};
