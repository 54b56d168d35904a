/**
 * Overview layout for large graphs: Pivot MDS (Brandes and Pich, "Eigensolver methods for
 * progressive multidimensional scaling of large data", 2006), the same spectral step fcose's
 * "draft" quality runs, here on typed arrays instead of Cytoscape collections, so 2,000 nodes
 * take milliseconds instead of seconds. Each connected component is laid out on its own: BFS
 * hop distances from k pivots chosen by max-min distance, double-centred, the two leading
 * eigenvectors of CᵀC by power iteration give x and y. Nodes with the same distance profile
 * (leaves of one hub) would land on one point, so coincident nodes are fanned out on a
 * sunflower spiral and a few grid-hashed collision passes keep a minimum spacing. Components
 * are scaled to about `areaPerNode` px² per node and shelf-packed, largest first.
 *
 * Pure and deterministic: no DOM, no randomness (runs in the layout worker and in unit tests).
 */

export interface PivotLayoutOptions {
  /** Pivots per component (more: steadier layout, linear cost). */
  pivots?: number;
  /** Target area per node in px² (about a 60 px grid by default). */
  areaPerNode?: number;
  /** Minimum distance kept between node centres, px. */
  minSpacing?: number;
  /** Gap between packed components, px. */
  componentGap?: number;
}

export interface Point {
  x: number;
  y: number;
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/**
 * Positions for nodes 0..n-1 given edges as index pairs (direction ignored, self loops and
 * out-of-range indices skipped). Returns x,y interleaved.
 */
export function pivotLayout(
  n: number,
  edges: ArrayLike<number>,
  opts: PivotLayoutOptions = {},
): Float64Array {
  const K = Math.max(3, opts.pivots ?? 40);
  const areaPerNode = opts.areaPerNode ?? 3600;
  const minSpacing = opts.minSpacing ?? 34;
  const gap = opts.componentGap ?? 80;
  const out = new Float64Array(2 * n);
  if (n === 0) return out;

  // CSR adjacency (undirected).
  const deg = new Int32Array(n);
  const m = Math.floor(edges.length / 2);
  for (let i = 0; i < m; i++) {
    const a = edges[2 * i]!;
    const b = edges[2 * i + 1]!;
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) continue;
    deg[a]!++;
    deg[b]!++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + deg[i]!;
  const adj = new Int32Array(start[n]!);
  const fill = start.slice(0, n);
  for (let i = 0; i < m; i++) {
    const a = edges[2 * i]!;
    const b = edges[2 * i + 1]!;
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) continue;
    adj[fill[a]!++] = b;
    adj[fill[b]!++] = a;
  }

  // Connected components, each as a list of node indices (BFS order).
  const comp = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const comps: Array<{ from: number; to: number }> = [];
  let head = 0;
  for (let s = 0; s < n; s++) {
    if (comp[s] !== -1) continue;
    const from = head;
    let tail = head;
    comp[s] = comps.length;
    order[tail++] = s;
    while (head < tail) {
      const u = order[head++]!;
      for (let j = start[u]!; j < start[u + 1]!; j++) {
        const v = adj[j]!;
        if (comp[v] === -1) {
          comp[v] = comps.length;
          order[tail++] = v;
        }
      }
    }
    comps.push({ from, to: tail });
  }

  // Lay out each component around (0,0), then pack.
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const boxes: Array<{ nodes: Int32Array; w: number; h: number; x1: number; y1: number }> = [];
  for (const c of comps) {
    const nodes = order.subarray(c.from, c.to);
    const s = nodes.length;
    const xy = new Float64Array(2 * s);
    if (s === 2) {
      xy[2] = 70;
    } else if (s > 2) {
      mds(nodes, start, adj, Math.min(K, s), dist, queue, xy);
      scaleTo(xy, s, areaPerNode);
      fanOut(xy, s, minSpacing);
      separate(xy, s, minSpacing, 12);
    }
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < s; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
    }
    for (let i = 0; i < s; i++) {
      out[2 * nodes[i]!] = xy[2 * i]!;
      out[2 * nodes[i]! + 1] = xy[2 * i + 1]!;
    }
    boxes.push({ nodes, w: x2 - x1, h: y2 - y1, x1, y1 });
  }
  pack(boxes, out, gap);
  return out;
}

/** Pivot MDS of one component into xy (unscaled). */
function mds(
  nodes: Int32Array,
  start: Int32Array,
  adj: Int32Array,
  k: number,
  dist: Int32Array,
  queue: Int32Array,
  xy: Float64Array,
): void {
  const s = nodes.length;
  // C: s x k squared hop distances, column per pivot.
  const C = new Float64Array(s * k);
  const minD = new Int32Array(s).fill(0x7fffffff);
  let pivot = nodes[0]!;
  // Start from the node farthest from the BFS root (a peripheral node).
  bfs(pivot, start, adj, dist, queue, s);
  for (let i = 0; i < s; i++) if (dist[nodes[i]!]! > dist[pivot]!) pivot = nodes[i]!;
  for (let p = 0; p < k; p++) {
    bfs(pivot, start, adj, dist, queue, s);
    let next = -1;
    let best = -1;
    for (let i = 0; i < s; i++) {
      const d = dist[nodes[i]!]!;
      C[i * k + p] = d * d;
      if (d < minD[i]!) minD[i] = d;
      if (minD[i]! > best) {
        best = minD[i]!;
        next = nodes[i]!;
      }
    }
    pivot = next;
  }
  // Double centring.
  const colMean = new Float64Array(k);
  let grand = 0;
  for (let i = 0; i < s; i++)
    for (let p = 0; p < k; p++) {
      colMean[p]! += C[i * k + p]!;
    }
  for (let p = 0; p < k; p++) {
    colMean[p]! /= s;
    grand += colMean[p]!;
  }
  grand /= k;
  for (let i = 0; i < s; i++) {
    let rowMean = 0;
    for (let p = 0; p < k; p++) rowMean += C[i * k + p]!;
    rowMean /= k;
    for (let p = 0; p < k; p++) C[i * k + p] = -0.5 * (C[i * k + p]! - rowMean - colMean[p]! + grand);
  }
  // B = CᵀC (k x k).
  const B = new Float64Array(k * k);
  for (let i = 0; i < s; i++) {
    const row = i * k;
    for (let p = 0; p < k; p++) {
      const cp = C[row + p]!;
      if (cp === 0) continue;
      for (let q = p; q < k; q++) B[p * k + q]! += cp * C[row + q]!;
    }
  }
  for (let p = 0; p < k; p++) for (let q = 0; q < p; q++) B[p * k + q] = B[q * k + p]!;
  const v1 = powerIteration(B, k, null);
  const v2 = powerIteration(B, k, v1);
  for (let i = 0; i < s; i++) {
    let x = 0;
    let y = 0;
    for (let p = 0; p < k; p++) {
      x += C[i * k + p]! * v1[p]!;
      y += C[i * k + p]! * v2[p]!;
    }
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  }
}

function bfs(
  src: number,
  start: Int32Array,
  adj: Int32Array,
  dist: Int32Array,
  queue: Int32Array,
  s: number,
): void {
  // Only the component of src (s nodes) is reached; the previous run over the same component
  // left its nodes in queue[0..s), so resetting those clears it (dist starts all -1).
  for (let i = 0; i < s && i < queue.length; i++) dist[queue[i]!] = -1;
  dist[src] = 0;
  let head = 0;
  let tail = 0;
  queue[tail++] = src;
  while (head < tail) {
    const u = queue[head++]!;
    const du = dist[u]!;
    for (let j = start[u]!; j < start[u + 1]!; j++) {
      const v = adj[j]!;
      if (dist[v] === -1) {
        dist[v] = du + 1;
        queue[tail++] = v;
      }
    }
  }
}

/** Leading eigenvector of symmetric B, orthogonal to `against` when given. Deterministic start. */
function powerIteration(B: Float64Array, k: number, against: Float64Array | null): Float64Array {
  let v = new Float64Array(k);
  for (let p = 0; p < k; p++) v[p] = 1 + ((p * 7919) % 13) / 13;
  const orth = (x: Float64Array) => {
    if (!against) return;
    let d = 0;
    for (let p = 0; p < k; p++) d += x[p]! * against[p]!;
    for (let p = 0; p < k; p++) x[p]! -= d * against[p]!;
  };
  const normalize = (x: Float64Array) => {
    let nn = 0;
    for (let p = 0; p < k; p++) nn += x[p]! * x[p]!;
    nn = Math.sqrt(nn) || 1;
    for (let p = 0; p < k; p++) x[p]! /= nn;
  };
  orth(v);
  normalize(v);
  const w = new Float64Array(k);
  for (let it = 0; it < 200; it++) {
    for (let p = 0; p < k; p++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc += B[p * k + q]! * v[q]!;
      w[p] = acc;
    }
    orth(w);
    normalize(w);
    let diff = 0;
    for (let p = 0; p < k; p++) diff += Math.abs(w[p]! - v[p]!);
    const t = v;
    v = w.slice();
    w.set(t);
    if (diff < 1e-7) break;
  }
  return v;
}

/** Scales positions about their centre so the bounding box offers about areaPerNode per node. */
function scaleTo(xy: Float64Array, s: number, areaPerNode: number): void {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < s; i++) {
    const x = xy[2 * i]!;
    const y = xy[2 * i + 1]!;
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  const w = Math.max(x2 - x1, 1e-9);
  const h = Math.max(y2 - y1, 1e-9);
  // A degenerate (collinear) spectrum gets a square box.
  const side = Math.sqrt(s * areaPerNode);
  const aspect = Math.min(3, Math.max(1 / 3, w / h));
  const tw = side * Math.sqrt(aspect);
  const th = side / Math.sqrt(aspect);
  const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
  for (let i = 0; i < s; i++) {
    xy[2 * i] = ((xy[2 * i]! - cx) / w) * tw;
    xy[2 * i + 1] = ((xy[2 * i + 1]! - cy) / h) * th;
  }
}

/** Nodes on (nearly) the same point go onto a sunflower spiral around it. */
function fanOut(xy: Float64Array, s: number, spacing: number): void {
  const cell = spacing / 2;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < s; i++) {
    const key = `${Math.round(xy[2 * i]! / cell)},${Math.round(xy[2 * i + 1]! / cell)}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const cx = xy[2 * g[0]!]!;
    const cy = xy[2 * g[0]! + 1]!;
    for (let j = 0; j < g.length; j++) {
      const r = spacing * 0.6 * Math.sqrt(j);
      const a = j * GOLDEN_ANGLE;
      xy[2 * g[j]!] = cx + r * Math.cos(a);
      xy[2 * g[j]! + 1] = cy + r * Math.sin(a);
    }
  }
}

/** A few passes pushing apart nodes closer than `spacing` (uniform grid, neighbouring cells). */
function separate(xy: Float64Array, s: number, spacing: number, passes: number): void {
  const sp2 = spacing * spacing;
  const cellOf = new Int32Array(s);
  for (let pass = 0; pass < passes; pass++) {
    const grid = new Map<number, number[]>();
    const key = (gx: number, gy: number) => (gx + 32768) * 65536 + (gy + 32768);
    for (let i = 0; i < s; i++) {
      const gx = Math.floor(xy[2 * i]! / spacing);
      const gy = Math.floor(xy[2 * i + 1]! / spacing);
      const k = key(gx, gy);
      cellOf[i] = k;
      const c = grid.get(k);
      if (c) c.push(i);
      else grid.set(k, [i]);
    }
    let moved = 0;
    for (let i = 0; i < s; i++) {
      const gx = Math.floor(xy[2 * i]! / spacing);
      const gy = Math.floor(xy[2 * i + 1]! / spacing);
      for (let dx = -1; dx <= 1; dx++)
        for (let dy = -1; dy <= 1; dy++) {
          const c = grid.get(key(gx + dx, gy + dy));
          if (!c) continue;
          for (const j of c) {
            if (j <= i) continue;
            let ddx = xy[2 * j]! - xy[2 * i]!;
            let ddy = xy[2 * j + 1]! - xy[2 * i + 1]!;
            let d2 = ddx * ddx + ddy * ddy;
            if (d2 >= sp2) continue;
            if (d2 < 1e-6) {
              // Exactly coincident: a deterministic direction from the indices.
              const a = (i * 31 + j * 17) * GOLDEN_ANGLE;
              ddx = Math.cos(a) * 1e-3;
              ddy = Math.sin(a) * 1e-3;
              d2 = 1e-6;
            }
            const d = Math.sqrt(d2);
            const push = (spacing - d) / 2 / d;
            xy[2 * i]! -= ddx * push;
            xy[2 * i + 1]! -= ddy * push;
            xy[2 * j]! += ddx * push;
            xy[2 * j + 1]! += ddy * push;
            moved++;
          }
        }
    }
    if (!moved) break;
  }
}

/** Shelf packing of component boxes, largest first, rows about as wide as the total is tall. */
function pack(
  boxes: Array<{ nodes: Int32Array; w: number; h: number; x1: number; y1: number }>,
  out: Float64Array,
  gap: number,
): void {
  if (boxes.length < 2) return;
  const sorted = [...boxes].sort((a, b) => b.nodes.length - a.nodes.length || b.h - a.h);
  let area = 0;
  for (const b of sorted) area += (b.w + gap) * (b.h + gap);
  const rowWidth = Math.max(sorted[0]!.w + gap, Math.sqrt(area) * 1.3);
  let x = 0;
  let y = 0;
  let rowH = 0;
  for (const b of sorted) {
    if (x > 0 && x + b.w > rowWidth) {
      x = 0;
      y += rowH + gap;
      rowH = 0;
    }
    const dx = x - b.x1;
    const dy = y - b.y1;
    for (const i of b.nodes) {
      out[2 * i]! += dx;
      out[2 * i + 1]! += dy;
    }
    x += b.w + gap;
    rowH = Math.max(rowH, b.h);
  }
}

/** Index-based wrapper: ids and id-pair edges in, id -> position out. */
export function pivotPositions(
  ids: string[],
  edges: Array<{ source: string; target: string }>,
  opts?: PivotLayoutOptions,
): Record<string, Point> {
  const index = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) index.set(ids[i]!, i);
  const pairs: number[] = [];
  for (const e of edges) {
    const a = index.get(e.source);
    const b = index.get(e.target);
    if (a !== undefined && b !== undefined) pairs.push(a, b);
  }
  const xy = pivotLayout(ids.length, pairs, opts);
  const positions: Record<string, Point> = {};
  ids.forEach((id, i) => {
    positions[id] = { x: xy[2 * i]!, y: xy[2 * i + 1]! };
  });
  return positions;
}
