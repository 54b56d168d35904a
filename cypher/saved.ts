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
import { EdgeSets } from './schema/index.js';

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

/**
 * Transitive excessive privilege: each principal's high-risk grants are summed once in Neo4j,
 * the identity chains are read once, and every identity's chain closure (maxHops) is walked in
 * memory. The Cypher form expands CAN_ACCESS once per (identity, reached principal) pair, which
 * on 20,000 principals with hub roles is over 100 million rows.
 */
const transitivePrivilege: Engine = async (graph, values, opts) => {
  const lookbackDays = neo4j.int(num(values.lookbackDays, 90));
  const maxHops = num(values.maxHops, 3);
  const minUnused = num(values.minUnused, 1);
  const check = { timeoutMs: opts.timeoutMs };
  const [grants, chains, identities] = await Promise.all([
    graph.read(
      `MATCH (p:Principal)-[c:CAN_ACCESS]->()
       RETURN elementId(p) AS p, sum(coalesce(c.highRiskCount, 0)) AS reached,
              sum(CASE WHEN c.lastUsed >= datetime() - duration({days: $lookbackDays})
                       THEN coalesce(c.highRiskCount, 0) ELSE 0 END) AS inUse`,
      { lookbackDays },
      check,
    ),
    graph.read(
      `MATCH (a)-[:${EdgeSets.IDENTITY_CHAIN.join('|')}]->(b) RETURN DISTINCT elementId(a) AS a, elementId(b) AS b`,
      {},
      check,
    ),
    graph.read(
      `MATCH (i:Identity)
       WHERE coalesce(i.stub, false) = false AND coalesce(i.tierZero, false) = false
       RETURN elementId(i) AS e, i.id AS id, i.name AS name, i.kind AS kind`,
      {},
      check,
    ),
  ]);
  const sums = new Map(grants.map((g) => [String(g.p), [Number(g.reached), Number(g.inUse)] as const]));
  const next = new Map<string, string[]>();
  for (const c of chains) {
    const l = next.get(String(c.a));
    if (l) l.push(String(c.b));
    else next.set(String(c.a), [String(c.b)]);
  }
  const rows: unknown[][] = [];
  for (const i of identities) {
    const start = String(i.e);
    const seen = new Set([start]);
    let frontier = [start];
    for (let d = 0; d < maxHops && frontier.length > 0; d++) {
      const nxt: string[] = [];
      for (const x of frontier)
        for (const y of next.get(x) ?? [])
          if (!seen.has(y)) {
            seen.add(y);
            nxt.push(y);
          }
      frontier = nxt;
    }
    let principals = 0;
    let reached = 0;
    let inUse = 0;
    for (const e of seen) {
      const s = sums.get(e);
      if (!s) continue;
      principals += 1;
      reached += s[0];
      inUse += s[1];
    }
    if (principals > 1 && reached - inUse >= minUnused)
      rows.push([i.id, i.name, i.kind, principals, reached, inUse, reached - inUse]);
  }
  rows.sort((a, b) => (b[6] as number) - (a[6] as number) || (String(a[0]) < String(b[0]) ? -1 : 1));
  return {
    columns: [
      'subjectId',
      'subjectName',
      'kind',
      'principalsReached',
      'highRiskReached',
      'highRiskInUse',
      'highRiskNotInUse',
    ],
    rows,
  };
};

const ENGINES: Record<QueryEngine, Engine> = {
  'transitive-privilege': transitivePrivilege,
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
