/**
 * Derived data: effective-access and escalation edges and tier-zero marks, rebuilt by each
 * derive pass. New edges are merged first (stamped with the pass id), then edges of earlier
 * passes are pruned, so a failed pass never leaves the graph without its previous answers.
 * Also the reverse direction: reading a provider's collected data back out of the graph as a
 * snapshot, which is what derive runs over (so derive sees every scope that is loaded).
 */
import neo4j from 'neo4j-driver';
import type { Graph } from '../../cypher/db/graph.js';
import {
  EDGE_TYPES,
  type EdgeType,
  EdgeTypes,
  isEdgeType,
  isNodeKind,
  MetaLabel,
  NodeKinds,
  type Provider,
} from '../../cypher/schema/index.js';
import type { PropValue, Snapshot, SnapshotEdge, SnapshotNode, UsageRecord } from '../snapshot/types.js';
import { ColumnBuffer, createDerivedEdgesCypher, edgeColumns, edgeValues, mergeEdgesCypher } from './rows.js';
import { ensureSchema } from './schema.js';

export interface DerivedEdge {
  type: EdgeType;
  source: string;
  target: string;
  /** Discriminator (technique id, service...) so several edges of one type can join a pair. */
  key: string;
  props: Record<string, PropValue>;
}

export interface TierZeroMark {
  id: string;
  reason: string;
}

export interface DerivedLoadResult {
  run: string;
  edges: number;
  pruned: number;
  tierZero: number;
  ms: number;
}

/** Derived relationship types a provider's pass owns (its own plus shared ones it emits). */
export function derivedTypesOf(provider: Provider): EdgeType[] {
  return EDGE_TYPES.filter(
    (t) => EdgeTypes[t].derived && (EdgeTypes[t].provider === provider || EdgeTypes[t].provider === 'shared'),
  );
}

export async function loadDerived(
  graph: Graph,
  provider: Provider,
  run: string,
  edges: Iterable<DerivedEdge>,
  tierZero: TierZeroMark[],
  opts: { inputVersion?: string; batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<DerivedLoadResult> {
  const t0 = Date.now();
  const batchSize = opts.batchSize ?? 10_000;
  const types = derivedTypesOf(provider);
  await ensureSchema(graph, types);
  const now = neo4j.types.DateTime.fromStandardDate(new Date());
  const bufs = new Map<EdgeType, ColumnBuffer>();
  let written = 0;
  // Types the provider has no derived edges of yet are written with CREATE (no existence
  // check per row); the others are merged so firstSeen survives reruns.
  const fresh = new Set<EdgeType>();
  for (const t of types) {
    const shared = EdgeTypes[t].provider === 'shared';
    const rows = await graph.read(
      `MATCH (a:Entity)-[r:${t}]->() WHERE r.derived = true ${shared ? 'AND a.provider = $provider' : ''}
       WITH r LIMIT 1 RETURN count(r) > 0 AS any`,
      { provider },
    );
    if (!rows[0]?.any) fresh.add(t);
  }
  const seen = new Set<string>();
  const flush = async (t: EdgeType) => {
    const b = bufs.get(t);
    if (!b || b.size === 0) return;
    const batch = b.take();
    await graph.write(fresh.has(t) ? createDerivedEdgesCypher(t) : mergeEdgesCypher(t, true), {
      ...batch.params,
      now,
      run,
    });
    written += batch.size;
    opts.onProgress?.(written);
  };
  for (const e of edges) {
    if (fresh.has(e.type)) {
      const k = `${e.type}\u0000${e.source}\u0000${e.target}\u0000${e.key}`;
      if (seen.has(k)) continue;
      seen.add(k);
    }
    let b = bufs.get(e.type);
    if (!b) {
      b = new ColumnBuffer(edgeColumns(e.type));
      bufs.set(e.type, b);
    }
    b.push(edgeValues(e, null));
    if (b.size >= batchSize) await flush(e.type);
  }
  for (const t of bufs.keys()) await flush(t);

  // Tier-zero marks: clear the provider's old ones that no longer hold, then set the new.
  const ids = tierZero.map((m) => m.id);
  await graph.write(
    `MATCH (n:Entity) WHERE n.tierZero = true AND n.provider = $provider AND NOT n.id IN $ids
     SET n.tierZero = false, n.tierZeroReason = null`,
    { provider, ids },
  );
  for (let i = 0; i < tierZero.length; i += batchSize) {
    const slice = tierZero.slice(i, i + batchSize);
    await graph.write(
      `UNWIND range(0, size($ids) - 1) AS i
       MATCH (n:Entity {id: $ids[i]}) USING INDEX n:Entity(id)
       SET n.tierZero = true, n.tierZeroReason = $reasons[i]`,
      { ids: slice.map((m) => m.id), reasons: slice.map((m) => m.reason) },
    );
  }

  // Prune what earlier passes derived and this one did not.
  let pruned = 0;
  for (const t of types) {
    const shared = EdgeTypes[t].provider === 'shared';
    for (;;) {
      const rows = await graph.write(
        `MATCH (a:Entity)-[r:${t}]->() WHERE r.deriveRun <> $run ${shared ? 'AND a.provider = $provider' : ''}
         WITH r LIMIT 10000 DELETE r RETURN count(*) AS c`,
        { run, provider },
      );
      const c = Number(rows[0]?.c ?? 0);
      pruned += c;
      if (c < 10000) break;
    }
  }
  await graph.write(
    `MERGE (d:${MetaLabel.DeriveState} {provider: $provider})
     SET d.run = $run, d.inputVersion = $inputVersion, d.finishedAt = datetime(), d.edgeCount = $edges`,
    { provider, run, inputVersion: opts.inputVersion ?? null, edges: neo4j.int(written) },
  );
  return { run, edges: written, pruned, tierZero: tierZero.length, ms: Date.now() - t0 };
}

/**
 * Fingerprint of the collected data of a provider: changes whenever a scan of one of its
 * scopes completes. Derive is skipped when the last pass read the same input.
 */
export async function providerInputVersion(graph: Graph, provider: Provider): Promise<string> {
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.ScopeState} {provider: $provider})
     RETURN s.id AS id, s.lastCompleteScan AS scan ORDER BY id`,
    { provider },
  );
  const scans = await graph.read(
    `MATCH (s:${MetaLabel.Scan} {provider: $provider, status: 'complete'}) RETURN s.id AS id ORDER BY id`,
    { provider },
  );
  return JSON.stringify({ scopes: rows.map((r) => [r.id, r.scan]), scans: scans.map((r) => r.id) });
}

export async function lastDeriveVersion(graph: Graph, provider: Provider): Promise<string | null> {
  const rows = await graph.read(
    `MATCH (d:${MetaLabel.DeriveState} {provider: $provider}) RETURN d.inputVersion AS v`,
    {
      provider,
    },
  );
  return (rows[0]?.v as string | null | undefined) ?? null;
}

function fromGraphValue(type: string, value: unknown): PropValue {
  if (value === null || value === undefined) return null;
  if (type === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value) as PropValue;
    } catch {
      return value;
    }
  }
  return value as PropValue;
}

/**
 * Reads a provider's collected (non-derived) data back out of the graph as one snapshot:
 * every node with its declared properties (JSON parsed, dates as ISO strings), every
 * collected relationship, and usage rebuilt from the nodes. Derive runs over this.
 */
export async function dumpProviderSnapshot(graph: Graph, provider: Provider): Promise<Snapshot> {
  const nodeRows = await graph.read(
    `MATCH (n:Entity) WHERE n.provider = $provider OR n.stub = true
     RETURN n.id AS id, n.kind AS kind, n.name AS name, n.scope AS scope, n.account AS account,
            n.tenant AS tenant, n.stub AS stub, properties(n) AS props`,
    { provider },
  );
  const nodes: SnapshotNode[] = [];
  const usage: UsageRecord[] = [];
  for (const r of nodeRows) {
    const kind = r.kind;
    if (!isNodeKind(kind)) continue;
    const raw = r.props as Record<string, unknown>;
    const props: Record<string, PropValue> = {};
    for (const [k, def] of Object.entries(NodeKinds[kind].props)) {
      if (def.system || raw[k] === undefined || raw[k] === null) continue;
      props[k] = fromGraphValue(def.type, raw[k]);
    }
    const node: SnapshotNode = {
      id: String(r.id),
      kind,
      name: (r.name as string | null) ?? null,
      scope: String(r.scope),
      account: (r.account as string | null) ?? null,
      tenant: (r.tenant as string | null) ?? null,
      props,
    };
    if (r.stub) node.stub = true;
    nodes.push(node);
    const svc = fromGraphValue('json', raw.serviceUsage) as Record<string, string | null> | null;
    const act = fromGraphValue('json', raw.actionUsage) as Record<string, string | null> | null;
    if (svc && typeof svc === 'object') {
      for (const [service, lastUsed] of Object.entries(svc))
        usage.push({ subject: node.id, service, lastUsed, source: 'graph' });
    }
    if (act && typeof act === 'object') {
      for (const [action, lastUsed] of Object.entries(act))
        usage.push({ subject: node.id, action, lastUsed, source: 'graph' });
    }
  }
  const edges: SnapshotEdge[] = [];
  const types = EDGE_TYPES.filter(
    (t) =>
      !EdgeTypes[t].derived && (EdgeTypes[t].provider === provider || EdgeTypes[t].provider === 'shared'),
  );
  for (const t of types) {
    const rows = await graph.read(
      `MATCH (a:Entity)-[r:${t}]->(b:Entity) RETURN a.id AS s, b.id AS t, r.key AS key, r.scope AS scope, properties(r) AS props`,
    );
    for (const r of rows) {
      if (!isEdgeType(t)) continue;
      const raw = r.props as Record<string, unknown>;
      const props: Record<string, PropValue> = {};
      for (const [k, def] of Object.entries(EdgeTypes[t].props)) {
        if (raw[k] === undefined || raw[k] === null) continue;
        props[k] = fromGraphValue(def.type, raw[k]);
      }
      edges.push({
        type: t,
        source: String(r.s),
        target: String(r.t),
        key: String(r.key ?? ''),
        scope: String(r.scope),
        props,
      });
    }
  }
  const scopes = await graph.read(
    `MATCH (s:${MetaLabel.ScopeState} {provider: $provider}) RETURN s.id AS id ORDER BY id`,
    {
      provider,
    },
  );
  return {
    schemaVersion: '1.0',
    scanId: `graph-${provider}`,
    provider,
    createdAt: new Date().toISOString(),
    source: { kind: 'graph' },
    scopes: scopes.map((s) => ({ id: String(s.id), provider, kind: 'account', complete: true })),
    nodes,
    edges,
    usage,
    gaps: [],
  };
}
