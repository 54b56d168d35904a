/**
 * Attack paths between two nodes, or from a node to tier zero, with every hop explained
 * (technique, reason, the statements that grant it). Shortest paths over the traversable
 * edge set, bounded hops (default 8), read-only.
 */
import neo4j, { isPath, type Path } from 'neo4j-driver';
import type { Graph } from './db/graph.js';
import { toPlain } from './db/graph.js';
import { type GraphElements, toElements } from './elements.js';
import { AppError } from './errors.js';
import { runGuarded } from './guard.js';
import { loadQueryConfig } from './query-config.js';
import { forwardToTierZero, materialisePaths, reverseTierZeroTree, treeWalk } from './reach.js';
import { INLINE_INT_MAX } from './registry.js';
import { EdgeSets, EdgeTypes, isEdgeType } from './schema/index.js';

export interface Hop {
  from: string;
  to: string;
  type: string;
  technique?: string;
  reason: string;
  grantedBy?: unknown;
  conditional: boolean;
}

export interface PathsResult {
  paths: Array<{ length: number; nodes: string[]; hops: Hop[] }>;
  elements: GraphElements;
  ms: number;
}

export interface FindPathsOptions {
  from: string;
  to?: string;
  toTierZero?: boolean;
  maxHops?: number;
  edgeTypes?: string[];
  limit?: number;
  /** Whole search, ms (default: the query timeout setting). */
  timeoutMs?: number;
}

export const DEFAULT_MAX_HOPS = 8;

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? undefined;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Hops of a driver path, explained from the relationship properties and the schema. */
export function explainPath(p: Path): { nodes: string[]; hops: Hop[] } {
  const idOf = (n: { properties: Record<string, unknown> }) => String(n.properties.id);
  const nodes = [idOf(p.start)];
  const hops: Hop[] = [];
  for (const seg of p.segments) {
    const r = seg.relationship;
    const props = r.properties as Record<string, unknown>;
    const from = idOf(seg.start);
    const to = idOf(seg.end);
    nodes.push(to);
    const def = isEdgeType(r.type) ? EdgeTypes[r.type] : undefined;
    const hop: Hop = {
      from,
      to,
      type: r.type,
      reason:
        typeof props.reason === 'string' && props.reason
          ? props.reason
          : `${String(seg.start.properties.name ?? from)} -> ${String(seg.end.properties.name ?? to)}: ${def?.description ?? r.type}`,
      conditional: props.conditional === true,
    };
    if (typeof props.technique === 'string') hop.technique = props.technique;
    const granted = parseJson(props.grantedBy);
    if (granted !== undefined) hop.grantedBy = toPlain(granted);
    hops.push(hop);
  }
  return { nodes, hops };
}

export function validateEdgeTypes(types: string[]): string[] {
  if (types.length === 0)
    throw new AppError('BAD_REQUEST', 'edge types: give at least one relationship type');
  for (const t of types) {
    if (!isEdgeType(t))
      throw new AppError('BAD_REQUEST', `edge type ${t} is not a relationship type of the schema`);
  }
  return types;
}

export async function findPaths(graph: Graph, opts: FindPathsOptions): Promise<PathsResult> {
  const t0 = Date.now();
  return explained(await findPathsRaw(graph, opts), t0);
}

/** The paths of `findPaths` as driver paths. */
export async function findPathsRaw(graph: Graph, opts: FindPathsOptions): Promise<Path[]> {
  const maxHops = opts.maxHops ?? DEFAULT_MAX_HOPS;
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > INLINE_INT_MAX) {
    throw new AppError(
      'BAD_REQUEST',
      `maxHops ${String(opts.maxHops)} must be between 1 and ${INLINE_INT_MAX}`,
    );
  }
  const limit = opts.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new AppError('BAD_REQUEST', `limit ${String(opts.limit)} must be between 1 and 1000`);
  }
  if (!opts.to && !opts.toTierZero)
    throw new AppError('BAD_REQUEST', 'give a target node (to) or toTierZero');
  const types = validateEdgeTypes(opts.edgeTypes ?? [...EdgeSets.TRAVERSABLE]).join('|');
  const ids = [opts.from, ...(opts.to ? [opts.to] : [])];
  const found = await graph.read('MATCH (n:Entity) WHERE n.id IN $ids RETURN n.id AS id', { ids });
  for (const id of ids) {
    if (!found.some((r) => r.id === id))
      throw new AppError('NOT_FOUND', `node ${id} does not exist in the graph`);
  }
  const edgeTypes = types.split('|');
  if (!opts.to) {
    const from = await graph.read('MATCH (n:Entity {id: $id}) RETURN elementId(n) AS eid', { id: opts.from });
    const walks = await forwardToTierZero(graph, String(from[0]!.eid), {
      maxHops,
      edgeTypes,
      limit,
      timeoutMs: opts.timeoutMs ?? loadQueryConfig().timeoutMs,
    });
    return materialisePaths(graph, walks);
  }
  // Labels and types come from the schema only; ids and limits are parameters.
  const res = await runGuarded(
    graph,
    `MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
     MATCH p = ALL SHORTEST (a)-[:${types}]->{1,${maxHops}}(b)
     RETURN p LIMIT $limit`,
    { from: opts.from, to: opts.to, limit: neo4j.int(limit) },
    { keepRaw: true, rowLimit: limit, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
  );
  return (res.raw ?? []).map((r) => r.get('p')).filter(isPath) as Path[];
}

function explained(raw: Path[], t0: number): PathsResult {
  const paths = raw.map((p) => {
    const { nodes, hops } = explainPath(p);
    return { length: hops.length, nodes, hops };
  });
  return { paths, elements: toElements(raw), ms: Date.now() - t0 };
}

export interface ReachOptions {
  maxHops?: number;
  edgeTypes?: string[];
  /** Principals at most (default 10,000). */
  limit?: number;
  /** Whole search, ms (default: the query timeout setting). */
  timeoutMs?: number;
}

/**
 * Every principal (not tier zero itself, not a cloud service principal) that can reach tier
 * zero, each with one shortest path to the first tier-zero node it reaches, hop by hop.
 */
export async function tierZeroReach(graph: Graph, opts: ReachOptions = {}): Promise<PathsResult> {
  const t0 = Date.now();
  return explained(await tierZeroReachPaths(graph, opts), t0);
}

/** The paths of `tierZeroReach` as driver paths (what the saved query returns). */
export async function tierZeroReachPaths(graph: Graph, opts: ReachOptions = {}): Promise<Path[]> {
  const maxHops = opts.maxHops ?? DEFAULT_MAX_HOPS;
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > INLINE_INT_MAX)
    throw new AppError(
      'BAD_REQUEST',
      `maxHops ${String(opts.maxHops)} must be between 1 and ${INLINE_INT_MAX}`,
    );
  const limit = opts.limit ?? 10_000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
    throw new AppError('BAD_REQUEST', `limit ${String(opts.limit)} must be between 1 and 100000`);
  const edgeTypes = validateEdgeTypes(opts.edgeTypes ?? [...EdgeSets.TRAVERSABLE]);
  const timeoutMs = opts.timeoutMs ?? loadQueryConfig().timeoutMs;
  const tree = await reverseTierZeroTree(graph, { maxHops, edgeTypes, timeoutMs });
  const starts = [...tree.next.keys()]
    .filter((e) => tree.info.get(e)?.principal)
    .sort((x, y) => {
      const a = tree.info.get(x)!.id;
      const b = tree.info.get(y)!.id;
      return a < b ? -1 : a > b ? 1 : 0;
    })
    .slice(0, limit);
  return materialisePaths(
    graph,
    starts.map((e) => treeWalk(tree, e)),
    timeoutMs,
  );
}
