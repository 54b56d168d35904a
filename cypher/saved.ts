/**
 * Runs a saved query: through the read-only guard, or through its built-in engine when the
 * header names one. The CLI, the analyses and the API all run saved queries here, so a query
 * gives the same rows wherever it is run.
 */
import neo4j, { Record as Neo4jRecord, type Path } from 'neo4j-driver';
import type { Graph } from './db/graph.js';
import { toPlain } from './db/graph.js';
import { toElements } from './elements.js';
import { type GuardedResult, type GuardOptions, runGuarded } from './guard.js';
import { findPathsRaw, tierZeroReachPaths } from './paths.js';
import { loadQueryConfig } from './query-config.js';
import { expandCypher, type QueryEngine, type SavedQuery, toDriverParams } from './registry.js';

type Engine = (
  graph: Graph,
  values: Record<string, unknown>,
  opts: Required<Pick<GuardOptions, 'timeoutMs' | 'rowLimit'>>,
) => Promise<{ columns: string[]; rows: unknown[][] }>;

const num = (v: unknown, fallback: number): number => {
  if (neo4j.isInt(v)) return (v as neo4j.Integer).toNumber();
  return typeof v === 'number' ? v : fallback;
};
const prop = (p: Path, end: 'start' | 'end', key: string): unknown => p[end].properties[key] ?? null;

const ENGINES: Record<QueryEngine, Engine> = {
  'tier-zero-reach': async (graph, values, opts) => {
    const paths = await tierZeroReachPaths(graph, {
      maxHops: num(values.maxHops, 8),
      limit: Math.min(opts.rowLimit + 1, 100_000),
      timeoutMs: opts.timeoutMs,
    });
    return {
      columns: ['subjectId', 'subjectName', 'kind', 'tierZeroId', 'tierZeroName', 'hops', 'path'],
      rows: paths.map((p) => [
        prop(p, 'start', 'id'),
        prop(p, 'start', 'name'),
        prop(p, 'start', 'kind'),
        prop(p, 'end', 'id'),
        prop(p, 'end', 'name'),
        p.length,
        p,
      ]),
    };
  },
  'tier-zero-from': async (graph, values, opts) => {
    const paths = await findPathsRaw(graph, {
      from: String(values.from),
      toTierZero: true,
      maxHops: num(values.maxHops, 8),
      limit: Math.min(opts.rowLimit, 25),
      timeoutMs: opts.timeoutMs,
    });
    return {
      columns: ['subjectId', 'subjectName', 'targetId', 'targetName', 'hops', 'path'],
      rows: paths.map((p) => [
        prop(p, 'start', 'id'),
        prop(p, 'start', 'name'),
        prop(p, 'end', 'id'),
        prop(p, 'end', 'name'),
        p.length,
        p,
      ]),
    };
  },
};

/** Runs `q` with validated `values` (see QueryRegistry.validateParams). */
export async function runSavedQuery(
  graph: Graph,
  q: SavedQuery,
  values: Record<string, unknown>,
  opts: GuardOptions = {},
): Promise<GuardedResult> {
  if (!q.engine) return runGuarded(graph, expandCypher(q, values), toDriverParams(q, values), opts);
  const t0 = Date.now();
  const cfg = loadQueryConfig();
  const timeoutMs = opts.timeoutMs ?? cfg.timeoutMs;
  const rowLimit = opts.rowLimit ?? cfg.rowLimit;
  const { columns, rows } = await ENGINES[q.engine](graph, values, { timeoutMs, rowLimit });
  const truncated = rows.length > rowLimit;
  const kept = rows.slice(0, rowLimit);
  const out: GuardedResult = {
    columns,
    rows: kept.map((r) => Object.fromEntries(columns.map((c, i) => [c, toPlain(r[i])]))),
    truncated,
    ms: Date.now() - t0,
    graph: toElements(kept.flat()),
  };
  if (opts.keepRaw) out.raw = kept.map((r) => new Neo4jRecord(columns, r));
  return out;
}
