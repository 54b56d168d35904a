/** Counts per label and relationship type, from Neo4j's count store (constant time per label). */
import type { Graph } from './db/graph.js';
import { ALL_LABELS, EDGE_TYPES, MetaLabel } from './schema/index.js';

export interface GraphStats {
  labels: Record<string, number>;
  relationships: Record<string, number>;
  totals: { nodes: number; relationships: number };
  scopes: {
    id: string;
    lastCompleteScan: string | null;
    lastCompleteAt: string | null;
    stale: boolean;
    staleReason: string | null;
  }[];
}

export async function graphStats(graph: Graph): Promise<GraphStats> {
  const labels = [...ALL_LABELS].sort();
  const labelQuery = labels
    .map((l) => `MATCH (n:\`${l}\`) RETURN '${l}' AS name, count(n) AS c`)
    .join(' UNION ALL ');
  const relQuery = EDGE_TYPES.map(
    (t) => `MATCH ()-[r:\`${t}\`]->() RETURN '${t}' AS name, count(r) AS c`,
  ).join(' UNION ALL ');
  const [lrows, rrows, totals, scopes] = await Promise.all([
    graph.read(labelQuery),
    graph.read(relQuery),
    graph.read(
      'MATCH (n:Entity) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS relationships',
    ),
    graph.read(
      `MATCH (s:${MetaLabel.ScopeState}) RETURN s.id AS id, s.lastCompleteScan AS lastCompleteScan,
       s.lastCompleteAt AS lastCompleteAt, coalesce(s.stale, false) AS stale, s.staleReason AS staleReason ORDER BY id`,
    ),
  ]);
  const pick = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(rows.filter((r) => Number(r.c) > 0).map((r) => [String(r.name), Number(r.c)]));
  return {
    labels: pick(lrows),
    relationships: pick(rrows),
    totals: { nodes: Number(totals[0]?.nodes ?? 0), relationships: Number(totals[0]?.relationships ?? 0) },
    scopes: scopes as GraphStats['scopes'],
  };
}
