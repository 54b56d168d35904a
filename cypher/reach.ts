/**
 * Breadth-first reachability to tier zero, driven from the application one hop level at a time.
 *
 * `ANY SHORTEST` to an unbound tier-zero target runs one search per (start, tier-zero node) pair
 * and keeps expanding past the first tier-zero node it meets; on an estate of 20,000 principals
 * and 850 tier-zero nodes it never finished. Here each level is one indexed read
 * (`elementId(n) = x` seeks), every node is visited once, and the search stops at tier zero:
 * - `reverseTierZeroTree` walks backwards from every tier-zero node at once and gives each node
 *   that reaches tier zero its next hop on one shortest path (all principals in one pass);
 * - `forwardToTierZero` walks forwards from one node and stops at the first level holding
 *   enough tier-zero nodes.
 * Intermediate nodes are never tier zero (a path ends at the first tier-zero node it meets).
 * Ties are broken deterministically (firm edges before conditional ones, then by node id and
 * type), so the same graph always gives the same paths and the same finding targets.
 */
import { type Node, Path, PathSegment, type Relationship } from 'neo4j-driver';
import type { Graph, Row } from './db/graph.js';
import { AppError } from './errors.js';

export interface Step {
  /** Element id of the next node on the way to tier zero (reverse) or of the parent (forward). */
  via: string;
  /** Element id of the relationship taken. */
  rel: string;
  depth: number;
}

export interface ReachTree {
  /** Element ids of the tier-zero nodes. */
  tierZero: Set<string>;
  /** Node element id -> next hop towards tier zero (one shortest path). */
  next: Map<string, Step>;
  /** Node element id -> id property and whether it is a principal the reports list. */
  info: Map<string, { id: string; principal: boolean }>;
}

export interface BfsOptions {
  maxHops: number;
  /** Relationship types (already validated against the schema). */
  edgeTypes: string[];
  /** Whole search, ms; exceeded -> AppError QUERY_TIMEOUT. */
  timeoutMs?: number;
}

const BATCH = 5000;

function deadline(timeoutMs: number | undefined): () => void {
  const end = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  return () => {
    if (Date.now() > end)
      throw new AppError('QUERY_TIMEOUT', `tier-zero search stopped after the ${timeoutMs} ms timeout`);
  };
}

/** Sort key of one candidate edge: firm before conditional, then node id, then type. */
const keyExpr = (other: string) =>
  `(CASE WHEN coalesce(r.conditional, false) THEN '1' ELSE '0' END) + '|' + coalesce(${other}.id, '') + '|' + type(r) + '|' + elementId(r)`;

/**
 * One BFS level: runs `cypher` (columns eid, key, ...) over the frontier in batches and keeps,
 * per new node, the row with the smallest key; the key's last two parts name the frontier node
 * and the relationship taken.
 */
async function expandLevel(
  graph: Graph,
  cypher: string,
  frontier: string[],
  depth: number,
  known: (eid: string) => boolean,
  timeoutMs: number | undefined,
): Promise<Map<string, { key: string; step: Step; row: Row }>> {
  const best = new Map<string, { key: string; step: Step; row: Row }>();
  for (let i = 0; i < frontier.length; i += BATCH) {
    const rows = await graph.read(
      cypher,
      { ids: frontier.slice(i, i + BATCH) },
      { ...(timeoutMs ? { timeoutMs } : {}) },
    );
    for (const r of rows) {
      const eid = String(r.eid);
      if (known(eid)) continue;
      const key = String(r.key);
      const prev = best.get(eid);
      if (prev && prev.key <= key) continue;
      const parts = key.split('|');
      best.set(eid, {
        key,
        step: { via: parts[parts.length - 1]!, rel: parts[parts.length - 2]!, depth },
        row: r,
      });
    }
  }
  return best;
}

/**
 * Reverse multi-source BFS from every tier-zero node over the given edge types, at most maxHops.
 * Principals listed are those the tier-zero reports name: not cloud service principals.
 */
export async function reverseTierZeroTree(graph: Graph, opts: BfsOptions): Promise<ReachTree> {
  const check = deadline(opts.timeoutMs);
  const types = opts.edgeTypes.join('|');
  const seeds = await graph.read(
    'MATCH (n:Entity) WHERE n.tierZero = true RETURN elementId(n) AS eid, n.id AS id ORDER BY n.id',
    {},
    { ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
  );
  const tree: ReachTree = { tierZero: new Set(), next: new Map(), info: new Map() };
  for (const r of seeds) {
    tree.tierZero.add(String(r.eid));
    tree.info.set(String(r.eid), { id: String(r.id), principal: false });
  }
  let frontier = [...tree.tierZero];
  for (let depth = 1; depth <= opts.maxHops && frontier.length > 0 && types; depth++) {
    check();
    // For each predecessor a of the frontier: the smallest candidate edge into it.
    const found = await expandLevel(
      graph,
      `UNWIND $ids AS eid
       MATCH (b) WHERE elementId(b) = eid
       MATCH (a:Entity)-[r:${types}]->(b)
       WHERE coalesce(a.tierZero, false) = false
       WITH a, min(${keyExpr('b')} + '|' + eid) AS key
       RETURN elementId(a) AS eid, a.id AS id, key,
              (a:Principal AND NOT a:AWSServicePrincipal) AS principal`,
      frontier,
      depth,
      (eid) => tree.next.has(eid) || tree.tierZero.has(eid),
      opts.timeoutMs,
    );
    frontier = [];
    for (const [eid, f] of found) {
      tree.next.set(eid, f.step);
      tree.info.set(eid, { id: String(f.row.id), principal: Boolean(f.row.principal) });
      frontier.push(eid);
    }
  }
  return tree;
}

/** Element ids along the tree from `start` to its tier-zero node: [nodes], [rels]. */
export function treeWalk(tree: ReachTree, start: string): { nodes: string[]; rels: string[] } {
  const nodes = [start];
  const rels: string[] = [];
  let cur = start;
  for (let guard = 0; guard < 64 && !tree.tierZero.has(cur); guard++) {
    const s = tree.next.get(cur);
    if (!s) break;
    rels.push(s.rel);
    nodes.push(s.via);
    cur = s.via;
  }
  return { nodes, rels };
}

/**
 * Forward BFS from one node; stops expanding at tier-zero nodes and after the first level at
 * which `limit` tier-zero nodes are known. Returns, per tier-zero node reached, the element ids
 * of one shortest path, shortest first, then by tier-zero id.
 */
export async function forwardToTierZero(
  graph: Graph,
  fromEid: string,
  opts: BfsOptions & { limit: number },
): Promise<Array<{ nodes: string[]; rels: string[] }>> {
  const check = deadline(opts.timeoutMs);
  const types = opts.edgeTypes.join('|');
  const parent = new Map<string, Step>();
  const targets: Array<{ eid: string; id: string; depth: number }> = [];
  const seen = new Set([fromEid]);
  let frontier = [fromEid];
  for (let depth = 1; depth <= opts.maxHops && frontier.length > 0 && targets.length < opts.limit; depth++) {
    check();
    const found = await expandLevel(
      graph,
      `UNWIND $ids AS eid
       MATCH (a) WHERE elementId(a) = eid
       MATCH (a)-[r:${types}]->(b:Entity)
       WITH b, min(${keyExpr('a')} + '|' + eid) AS key
       RETURN elementId(b) AS eid, b.id AS id, coalesce(b.tierZero, false) AS tierZero, key`,
      frontier,
      depth,
      (eid) => seen.has(eid),
      opts.timeoutMs,
    );
    frontier = [];
    const level: Array<{ eid: string; id: string; depth: number }> = [];
    for (const [eid, f] of found) {
      seen.add(eid);
      parent.set(eid, f.step);
      if (f.row.tierZero === true) level.push({ eid, id: String(f.row.id), depth });
      else frontier.push(eid);
    }
    level.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    targets.push(...level);
  }
  return targets.slice(0, opts.limit).map((t) => {
    const nodes = [t.eid];
    const rels: string[] = [];
    let cur = t.eid;
    while (cur !== fromEid) {
      const s = parent.get(cur)!;
      rels.push(s.rel);
      nodes.push(s.via);
      cur = s.via;
    }
    return { nodes: nodes.reverse(), rels: rels.reverse() };
  });
}

/**
 * Driver paths for walks given as element ids, fetched in one read (nodes and relationships by
 * element id), so they explain and render exactly like paths returned by Cypher.
 */
export async function materialisePaths(
  graph: Graph,
  walks: Array<{ nodes: string[]; rels: string[] }>,
  timeoutMs?: number,
): Promise<Path[]> {
  const nodeIds = [...new Set(walks.flatMap((w) => w.nodes))];
  const relIds = [...new Set(walks.flatMap((w) => w.rels))];
  const nodes = new Map<string, Node>();
  const rels = new Map<string, Relationship>();
  const session = graph.session('READ');
  try {
    await session.executeRead(
      async (tx) => {
        for (let i = 0; i < nodeIds.length; i += BATCH) {
          const res = await tx.run('UNWIND $ids AS eid MATCH (n) WHERE elementId(n) = eid RETURN n', {
            ids: nodeIds.slice(i, i + BATCH),
          });
          for (const rec of res.records) {
            const n = rec.get('n') as Node;
            nodes.set(n.elementId, n);
          }
        }
        for (let i = 0; i < relIds.length; i += BATCH) {
          const res = await tx.run('UNWIND $ids AS eid MATCH ()-[r]->() WHERE elementId(r) = eid RETURN r', {
            ids: relIds.slice(i, i + BATCH),
          });
          for (const rec of res.records) {
            const r = rec.get('r') as Relationship;
            rels.set(r.elementId, r);
          }
        }
      },
      timeoutMs ? { timeout: timeoutMs } : undefined,
    );
  } finally {
    await session.close();
  }
  const out: Path[] = [];
  for (const w of walks) {
    const ns = w.nodes.map((e) => nodes.get(e));
    const rs = w.rels.map((e) => rels.get(e));
    // A node or edge removed between the search and this read: leave the walk out.
    if (ns.some((n) => !n) || rs.some((r) => !r) || ns.length !== rs.length + 1) continue;
    const segs = rs.map((r, i) => new PathSegment(ns[i]!, r!, ns[i + 1]!));
    out.push(new Path(ns[0]!, ns[ns.length - 1]!, segs));
  }
  return out;
}
