/**
 * The explorer's large-graph drawing pieces that run without a browser: the Pivot MDS overview
 * layout (web/src/graph/pivot-layout.ts) and the class-based stylesheet (web/src/graph/style.ts)
 * applied by a headless Cytoscape.
 */
import cytoscape from 'cytoscape';
import { describe, expect, it } from 'vitest';
import { EdgeTypes } from '../../cypher/schema/index.js';
import { pivotLayout, pivotPositions } from '../../web/src/graph/pivot-layout.js';
import { edgeClasses, nodeClasses, SchemaStyles, stylesheet, THEMES } from '../../web/src/graph/style.js';

/** A hub-and-spoke estate with cross links, like an account containing its principals. */
function estate(n: number, hubs: number) {
  const edges: number[] = [];
  let s = 11;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = hubs; i < n; i++) {
    edges.push(i % hubs, i);
    if (rnd() < 0.5) edges.push(i, hubs + Math.floor(rnd() * (n - hubs)));
  }
  return edges;
}

function minDistances(xy: Float64Array): number[] {
  const n = xy.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      best = Math.min(best, Math.hypot(xy[2 * i]! - xy[2 * j]!, xy[2 * i + 1]! - xy[2 * j + 1]!));
    }
    out.push(best);
  }
  return out;
}

describe('pivot layout', () => {
  it('spreads a 2,000-node hub-and-spoke graph to a readable density, deterministically', () => {
    const edges = estate(2000, 5);
    const xy = pivotLayout(2000, edges);
    expect(xy.every(Number.isFinite)).toBe(true);
    expect(pivotLayout(2000, edges)).toEqual(xy);
    // Leaves of one hub share their distance profile; they must not pile up on one point.
    const d = minDistances(xy).sort((a, b) => a - b);
    expect(d[Math.floor(d.length * 0.05)]).toBeGreaterThan(15);
    expect(d[Math.floor(d.length / 2)]).toBeGreaterThan(25);
    // About 60 px per node: the box is neither a blob nor a desert.
    let [x1, x2, y1, y2] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) {
      x1 = Math.min(x1, xy[2 * i]!);
      x2 = Math.max(x2, xy[2 * i]!);
      y1 = Math.min(y1, xy[2 * i + 1]!);
      y2 = Math.max(y2, xy[2 * i + 1]!);
    }
    const area = (x2 - x1) * (y2 - y1);
    expect(area / 2000).toBeGreaterThan(1500);
    expect(area / 2000).toBeLessThan(20000);
  });

  it('keeps connected nodes closer than unrelated ones (the layout follows the graph)', () => {
    // Two dense clusters joined by one edge.
    const edges: number[] = [];
    for (let i = 0; i < 100; i++)
      for (let j = i + 1; j < 100; j += 7) {
        edges.push(i, j);
        edges.push(100 + i, 100 + j);
      }
    edges.push(0, 100);
    const xy = pivotLayout(200, edges);
    const centre = (from: number) => {
      let [x, y] = [0, 0];
      for (let i = from; i < from + 100; i++) {
        x += xy[2 * i]!;
        y += xy[2 * i + 1]!;
      }
      return [x / 100, y / 100] as const;
    };
    const [a, b] = [centre(0), centre(100)];
    const spread = (from: number, c: readonly [number, number]) => {
      let sum = 0;
      for (let i = from; i < from + 100; i++) sum += Math.hypot(xy[2 * i]! - c[0], xy[2 * i + 1]! - c[1]);
      return sum / 100;
    };
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeGreaterThan(spread(0, a));
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeGreaterThan(spread(100, b));
  });

  it('lays out components apart, with isolated nodes and tiny inputs', () => {
    expect(pivotLayout(0, [])).toHaveLength(0);
    expect(Array.from(pivotLayout(1, []))).toEqual([0, 0]);
    // Three triangles, a pair and two isolated nodes; bad edges are ignored.
    const edges = [0, 1, 1, 2, 2, 0, 3, 4, 4, 5, 5, 3, 6, 7, 7, 8, 8, 6, 9, 10, 0, 99, 3, 3];
    const pos = pivotPositions(
      Array.from({ length: 13 }, (_, i) => `n${i}`),
      Array.from({ length: edges.length / 2 }, (_, i) => ({
        source: `n${edges[2 * i]}`,
        target: `n${edges[2 * i + 1]}`,
      })),
    );
    expect(Object.keys(pos)).toHaveLength(13);
    const box = (ids: number[]) => {
      const ps = ids.map((i) => pos[`n${i}`]!);
      return {
        x1: Math.min(...ps.map((p) => p.x)),
        x2: Math.max(...ps.map((p) => p.x)),
        y1: Math.min(...ps.map((p) => p.y)),
        y2: Math.max(...ps.map((p) => p.y)),
      };
    };
    const boxes = [box([0, 1, 2]), box([3, 4, 5]), box([6, 7, 8]), box([9, 10]), box([11]), box([12])];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.x1 <= b.x2 && b.x1 <= a.x2 && a.y1 <= b.y2 && b.y1 <= a.y2;
        expect(overlap, `components ${i} and ${j} overlap`).toBe(false);
      }
  });
});

describe('explorer stylesheet', () => {
  const styles = new SchemaStyles({
    kinds: [
      { kind: 'AWSRole', provider: 'aws', labels: ['Principal', 'Identity'], description: '' },
      { kind: 'AWSPolicy', provider: 'aws', labels: ['Policy'], description: '' },
    ],
    edges: [
      {
        type: 'AWS_ASSUME_ROLE',
        provider: 'aws',
        category: EdgeTypes.AWS_ASSUME_ROLE.category,
        derived: true,
        traversable: true,
        description: '',
        techniques: [],
      },
    ],
    edgeSets: {},
  } as never);

  function draw(big: boolean) {
    const cy = cytoscape({ headless: true, styleEnabled: true, style: stylesheet(THEMES.light) });
    const role = { id: 'r', label: 'admin-role', kind: 'AWSRole', provider: 'aws', tierZero: true };
    const pol = { id: 'p', label: 'AdministratorAccess', kind: 'AWSPolicy', provider: 'aws' };
    styles.decorateNode(role);
    styles.decorateNode(pol);
    const esc = { id: 'e1', source: 'p', target: 'r', type: 'AWS_ASSUME_ROLE', category: '' };
    const plain = {
      id: 'e2',
      source: 'r',
      target: 'p',
      type: 'AWS_HAS_POLICY',
      category: 'structural',
      unused: true,
    };
    styles.decorateEdge(esc);
    styles.decorateEdge(plain);
    cy.add([
      { group: 'nodes', data: role, classes: nodeClasses(role, big) },
      { group: 'nodes', data: pol, classes: nodeClasses(pol, big) },
      { group: 'edges', data: esc, classes: edgeClasses(esc, big) },
      { group: 'edges', data: plain, classes: edgeClasses(plain, big) },
    ]);
    return cy;
  }

  it('draws kinds, tier zero, escalation and unused edges from classes', () => {
    const cy = draw(false);
    const role = cy.getElementById('r');
    expect(role.style('shape')).toBe('ellipse');
    expect(role.style('background-color')).toBe('rgb(232,135,14)');
    expect(role.style('border-width')).toBe('4px');
    expect(role.style('label')).toBe('★ admin-role');
    expect(cy.getElementById('p').style('shape')).toBe('round-tag');
    const esc = cy.getElementById('e1');
    expect(esc.style('line-color')).toBe('rgb(224,36,94)');
    expect(esc.style('target-arrow-shape')).toBe('triangle');
    expect(esc.style('curve-style')).toBe('bezier');
    expect(esc.style('label')).toBe('AWS_ASSUME_ROLE');
    const plain = cy.getElementById('e2');
    expect(plain.style('line-style')).toBe('dotted');
    expect(plain.style('target-arrow-shape')).toBe('triangle');
    cy.destroy();
  });

  it('big graphs: no node labels until added, straight arrowless plain edges, unlabelled escalation', () => {
    const cy = draw(true);
    const role = cy.getElementById('r');
    expect(role.style('label')).toBe('');
    expect(role.style('border-width')).toBe('4px');
    role.addClass('lbl');
    expect(role.style('label')).toBe('★ admin-role');
    const esc = cy.getElementById('e1');
    expect(esc.style('curve-style')).toBe('straight');
    expect(esc.style('target-arrow-shape')).toBe('triangle');
    expect(esc.style('label')).toBe('');
    const plain = cy.getElementById('e2');
    expect(plain.style('curve-style')).toBe('haystack');
    expect(plain.style('target-arrow-shape')).toBe('none');
    cy.destroy();
  });

  it('maps data only for label text (every other property is a plain value per class)', () => {
    const mapped: string[] = [];
    for (const block of stylesheet(THEMES.dark) as Array<{
      selector: string;
      style: Record<string, unknown>;
    }>) {
      expect(block.selector, 'no data selectors').not.toMatch(/\[/);
      for (const [prop, v] of Object.entries(block.style))
        if (typeof v === 'string' && v.startsWith('data(')) mapped.push(`${block.selector} ${prop}`);
    }
    expect(mapped).toEqual(['node.lbl label', 'edge.elbl label']);
  });
});
