/**
 * Layouts, computed off the main thread (./layout.worker.ts) or, without workers, on the page:
 * overviews above PIVOT_MIN nodes get Pivot MDS on typed arrays (./pivot-layout.ts,
 * milliseconds for 2,000 nodes); smaller overviews a headless Cytoscape running fcose, paths
 * dagre (left to right).
 */
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import fcose from 'cytoscape-fcose';
import { pivotPositions } from './pivot-layout';

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

/**
 * Overviews above this many nodes are laid out by Pivot MDS (the spectral step of fcose's
 * draft quality, without Cytoscape's per-element overhead, which cost seconds at 2,000 nodes on
 * a loaded machine); up to it, fcose with its force refinement.
 */
export const PIVOT_MIN = 300;

export function layoutOptions(kind: 'overview' | 'path'): cytoscape.LayoutOptions {
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
    quality: 'default',
    randomize: true,
    animate: false,
    fit: false,
    nodeRepulsion: 6000,
    idealEdgeLength: 70,
    numIter: 2500,
    packComponents: true,
  } as cytoscape.LayoutOptions;
}

/** Positions for a request (runs in the worker, or on the page when workers are unavailable). */
export function computeLayout(req: LayoutRequest): LayoutResponse['positions'] {
  if (req.layout === 'overview' && req.nodes.length > PIVOT_MIN)
    return pivotPositions(
      req.nodes.map((n) => n.id),
      req.edges,
    );
  const cy = cytoscape({
    headless: true,
    styleEnabled: true,
    style: [{ selector: 'node', style: { width: 'data(size)', height: 'data(size)' } }],
    elements: [
      ...req.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, size: n.size } })),
      ...req.edges.map((e) => ({ group: 'edges' as const, data: e })),
    ],
  });
  cy.layout(layoutOptions(req.layout)).run();
  const positions: LayoutResponse['positions'] = {};
  cy.nodes().forEach((n) => {
    const p = n.position();
    positions[n.id()] = { x: p.x, y: p.y };
  });
  cy.destroy();
  return positions;
}
