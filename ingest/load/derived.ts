/**
 * Derived data: effective-access and escalation edges and tier-zero marks, rebuilt by each
 * derive pass. New edges are merged first (stamped with the pass id), then edges of earlier
 * passes are pruned, so a failed pass never leaves the graph without its previous answers.
 * Also the reverse direction: reading a provider's collected data back out of the graph as a
 * snapshot, which is what derive runs over (so derive sees every scope that is loaded).
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import type { Graph } from '../../cypher/db/graph.js';
import { processAlive } from '../../cypher/db/local-neo4j.js';
import {
  EDGE_TYPES,
  type EdgeType,
  EdgeTypes,
  isEdgeType,
  isNodeKind,
  MetaLabel,
  NodeKinds,
  type PropDef,
  type Provider,
} from '../../cypher/schema/index.js';
import type { PropValue, Snapshot, SnapshotEdge, SnapshotNode, UsageRecord } from '../snapshot/types.js';
import { createDerivedEdgesGroupedCypher, edgePropDefs, propValue, takeDerivedEdgesCypher } from './rows.js';
import { ensureSchema } from './schema.js';

export interface DerivedEdge {
  type: EdgeType;
  source: string;
  target: string;
  /** Discriminator (technique id, service...) so several edges of one type can join a pair. */
  key: string;
  props: Record<string, PropValue>;
}

/**
 * Edges handed to the writer in groups, every edge of a source in the same group, so the
 * writer needs only one group in memory at a time.
 */
export interface EdgeGroups {
  groups(): Iterable<DerivedEdge[]>;
}

/** FNV-1a of a string (32 bits): which spill partition a source's edges go to. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const SPILL_PREFIX = 'permgraph-derive-';

/**
 * Removes the spill directories of derive passes whose process is gone (killed, or out of
 * memory, before its `finally` ran); at L one holds about 16 GB. A directory is named with its
 * process id, so a live pass's directory is never touched. Returns what it removed.
 */
export function sweepStaleSpills(parent: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = name.startsWith(SPILL_PREFIX) ? /^(\d+)-/.exec(name.slice(SPILL_PREFIX.length)) : null;
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    const dir = path.join(parent, name);
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/**
 * Derived edges spilled to temporary files as they are emitted, partitioned by source, so a
 * derive pass over a large estate holds one partition in memory when writing instead of every
 * edge. Emission order is kept within a partition (first emission of an edge still wins).
 * `dispose()` removes the files; call it in a `finally`.
 */
export class EdgeSpill implements EdgeGroups {
  readonly dir: string;
  /** Spill directories of dead passes removed when this one was made. */
  readonly stale: string[];
  count = 0;
  /** Bytes written to the spill files so far. */
  bytes = 0;
  private readonly parts: number;
  private readonly bufs: string[][];
  private readonly bufChars: number[];
  private readonly fds: (number | null)[];
  private readonly flushChars: number;

  constructor(opts: { parent?: string; partitions?: number; flushChars?: number } = {}) {
    this.parts = Math.max(1, opts.partitions ?? 256);
    this.flushChars = opts.flushChars ?? 256 * 1024;
    const parent = opts.parent ?? os.tmpdir();
    this.stale = sweepStaleSpills(parent);
    this.dir = mkdtempSync(path.join(parent, `${SPILL_PREFIX}${process.pid}-`));
    this.bufs = Array.from({ length: this.parts }, () => []);
    this.bufChars = new Array(this.parts).fill(0);
    this.fds = new Array(this.parts).fill(null);
  }

  add(e: DerivedEdge): void {
    const i = fnv1a(e.source) % this.parts;
    const line = JSON.stringify([e.type, e.source, e.target, e.key, e.props]);
    this.bufs[i]!.push(line);
    this.bufChars[i]! += line.length;
    this.count += 1;
    if (this.bufChars[i]! >= this.flushChars) this.flushPart(i);
  }

  private file(i: number): string {
    return path.join(this.dir, `part-${i}.ndjson`);
  }

  private flushPart(i: number): void {
    const buf = this.bufs[i]!;
    if (buf.length === 0) return;
    const text = `${buf.join('\n')}\n`;
    try {
      let fd = this.fds[i];
      if (fd === null || fd === undefined) {
        fd = openSync(this.file(i), 'a');
        this.fds[i] = fd;
      }
      this.bytes += writeSync(fd, text);
    } catch (err) {
      const gb = (this.bytes / 1e9).toFixed(1);
      throw new Error(
        `derive: cannot write derived edges to ${this.dir} after ${this.count} edges (${gb} GB): ${(err as Error).message}. ` +
          'Edges are spilled to disk before they are written to Neo4j (about 1.2 kB each; 16 GB for 14 M edges); ' +
          'set TMPDIR to a directory with more room.',
        { cause: err },
      );
    }
    this.bufs[i] = [];
    this.bufChars[i] = 0;
  }

  *groups(): Iterable<DerivedEdge[]> {
    for (let i = 0; i < this.parts; i++) this.flushPart(i);
    for (let i = 0; i < this.parts; i++) {
      const fd = this.fds[i];
      if (fd === null || fd === undefined) continue;
      closeSync(fd);
      this.fds[i] = null;
      const text = readFileSync(this.file(i), 'utf8');
      const group: DerivedEdge[] = [];
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        const [type, source, target, key, props] = JSON.parse(text.slice(start, end));
        group.push({ type, source, target, key, props });
        start = end + 1;
      }
      rmSync(this.file(i), { force: true });
      yield group;
    }
  }

  dispose(): void {
    for (const [i, fd] of this.fds.entries()) {
      if (fd !== null && fd !== undefined) closeSync(fd);
      this.fds[i] = null;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
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
  /** Where the time went: edge writes, tier-zero marks, pruning, the rest (schema, checks). */
  phases: { edges: number; tierZero: number; prune: number; other: number };
  /** Write transactions and the rows per second of the edge writes. */
  transactions: number;
  edgeRowsPerSec: number;
}

/** Derived relationship types a provider's pass owns (its own plus shared ones it emits). */
export function derivedTypesOf(provider: Provider): EdgeType[] {
  return EDGE_TYPES.filter(
    (t) => EdgeTypes[t].derived && (EdgeTypes[t].provider === provider || EdgeTypes[t].provider === 'shared'),
  );
}

/** Values of one column, each distinct value sent once (`values`) and referenced by index. */
class DictColumn {
  readonly values: unknown[] = [];
  readonly index: number[] = [];
  private readonly seen = new Map<unknown, number>();
  constructor(private readonly keyOf: (v: unknown) => unknown = (v) => v) {}
  push(v: unknown): void {
    const k = this.keyOf(v);
    let i = this.seen.get(k);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.seen.set(k, i);
    }
    this.index.push(i);
  }
}

// Strings and other primitives key themselves; lists, Integers and DateTimes by their text.
const valueKey = (v: unknown): unknown =>
  v === null || typeof v !== 'object'
    ? v
    : Array.isArray(v)
      ? `\u0000a${JSON.stringify(v)}`
      : `\u0000o${String(v)}`;

/** The parameters of one type's statement in a swap batch (see createDerivedEdgesGroupedCypher). */
class DerivedTypeBatch {
  readonly srcs: string[] = [];
  readonly from: number[] = [];
  readonly to: number[] = [];
  private readonly dst = new DictColumn();
  private readonly keys = new DictColumn();
  private readonly fs: number[] = [];
  private readonly props: [string, PropDef, DictColumn][];
  size = 0;
  constructor(readonly type: EdgeType) {
    this.props = edgePropDefs(type).map(([k, def]) => [k, def, new DictColumn(valueKey)]);
  }
  add(source: string, edges: DerivedEdge[], firstSeen: (e: DerivedEdge) => number): void {
    this.srcs.push(source);
    this.from.push(this.size);
    for (const e of edges) {
      this.dst.push(e.target);
      this.keys.push(e.key);
      this.fs.push(firstSeen(e));
      for (const [k, def, c] of this.props) c.push(propValue(def, e.props[k]));
      this.size += 1;
    }
    this.to.push(this.size);
  }
  params(): Record<string, unknown> {
    const p: Record<string, unknown> = {
      srcs: this.srcs,
      from: this.from,
      to: this.to,
      dd: this.dst.values,
      dx: this.dst.index,
      kd: this.keys.values,
      kx: this.keys.index,
      fsx: this.fs,
    };
    for (const [k, , c] of this.props) {
      p[`d_${k}`] = c.values;
      p[`x_${k}`] = c.index;
    }
    return p;
  }
}

const isEdgeGroups = (x: Iterable<DerivedEdge> | EdgeGroups): x is EdgeGroups =>
  typeof (x as EdgeGroups).groups === 'function';

const edgeKey = (type: string, target: string, key: string) => `${type}\u0000${target}\u0000${key}`;

/**
 * Writes a derive pass. The edges are grouped by source node; each transaction replaces the
 * derived edges of a batch of sources at once: it removes their previous edges (keeping each
 * one's firstSeen for its replacement) and CREATEs the new ones, so a reader or a failed pass
 * sees, per source, either the previous answer or the new one, never a mix or nothing. On a
 * first pass (no derived edge of the provider yet) there is nothing to remove. Sources the
 * pass no longer derives anything from are pruned at the end, then the tier-zero marks move.
 * An edge emitted twice (same type, source, target, key) is written once, as first emitted.
 */
export async function loadDerived(
  graph: Graph,
  provider: Provider,
  run: string,
  edges: Iterable<DerivedEdge> | EdgeGroups,
  tierZero: TierZeroMark[],
  opts: {
    inputVersion?: string;
    batchSize?: number;
    /** Write transactions in flight at once (default 2). */
    concurrency?: number;
    onProgress?: (done: number) => void;
    log?: (message: string, fields?: Record<string, unknown>) => void;
  } = {},
): Promise<DerivedLoadResult> {
  const t0 = Date.now();
  const batchSize = Math.max(1, opts.batchSize ?? 20_000);
  const types = derivedTypesOf(provider);
  await ensureSchema(graph, types);
  const now = neo4j.types.DateTime.fromStandardDate(new Date());
  const shared = types.filter((t) => EdgeTypes[t].provider === 'shared');
  // Types the provider already has derived edges of (one read for all types).
  const present = await typesWithDerived(graph, types, provider);
  const owned = new Set<string>(types);

  const tEdges = Date.now();
  const takeCypher = present.size > 0 ? takeDerivedEdgesCypher([...present]) : null;
  let written = 0;
  let unique = 0;
  let transactions = 0;
  type SourceEdges = [source: string, edges: Map<string, DerivedEdge>];
  const flush = async (batch: SourceEdges[]) => {
    if (batch.length === 0) return;
    const sources = batch.map(([src]) => src);
    await graph.writeTx(async (tx) => {
      // Previous edges of these sources: removed here, their firstSeen carried over.
      const firstSeen = new Map<string, unknown>();
      if (takeCypher) {
        const res = await tx.run(takeCypher, { srcs: sources, provider, shared });
        for (const rec of res.records) {
          const fs = rec.get('fs');
          if (fs !== null)
            firstSeen.set(
              `${rec.get('src')}\u0000${edgeKey(rec.get('t'), rec.get('dst'), String(rec.get('key') ?? ''))}`,
              fs,
            );
        }
      }
      const fsd = new DictColumn((v) => String(v));
      fsd.values.push(null);
      const fsIndex = (e: DerivedEdge): number => {
        const v = firstSeen.get(`${e.source}\u0000${edgeKey(e.type, e.target, e.key)}`);
        if (v === undefined) return 0;
        fsd.push(v);
        return fsd.index[fsd.index.length - 1]!;
      };
      const perType = new Map<EdgeType, DerivedTypeBatch>();
      for (const [src, m] of batch) {
        const byType = new Map<EdgeType, DerivedEdge[]>();
        for (const e of m.values()) {
          const list = byType.get(e.type);
          if (list) list.push(e);
          else byType.set(e.type, [e]);
        }
        for (const [t, list] of byType) {
          let b = perType.get(t);
          if (!b) {
            b = new DerivedTypeBatch(t);
            perType.set(t, b);
          }
          b.add(src, list, fsIndex);
        }
      }
      for (const t of types) {
        const b = perType.get(t);
        if (!b) continue;
        await tx.run(createDerivedEdgesGroupedCypher(t), { ...b.params(), fsd: fsd.values, now, run });
      }
    });
    transactions += 1;
    for (const [, m] of batch) written += m.size;
    opts.onProgress?.(written);
  };
  // Two transactions in flight: while Neo4j writes one batch, Node reads and encodes the next.
  // Batches hold disjoint sources, so they never touch the same derived edges; lock waits on
  // shared targets are retried by the driver like any transient error.
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  const submit = async (batch: SourceEdges[]) => {
    while (inflight.size >= concurrency) await Promise.race(inflight);
    if (failure) {
      await Promise.all(inflight);
      throw failure;
    }
    const p: Promise<void> = flush(batch)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // One group at a time (all edges of a source are in one group): by source, first emission wins.
  let pending: SourceEdges[] = [];
  let pendingRows = 0;
  const groups = isEdgeGroups(edges) ? edges.groups() : [edges];
  for (const group of groups) {
    const bySource = new Map<string, Map<string, DerivedEdge>>();
    for (const e of group) {
      if (!owned.has(e.type)) continue;
      let m = bySource.get(e.source);
      if (!m) {
        m = new Map();
        bySource.set(e.source, m);
      }
      const k = edgeKey(e.type, e.target, e.key);
      if (m.has(k)) continue;
      m.set(k, e);
      unique += 1;
    }
    for (const entry of bySource) {
      if (pendingRows > 0 && pendingRows + entry[1].size > batchSize) {
        await submit(pending);
        pending = [];
        pendingRows = 0;
      }
      pending.push(entry);
      pendingRows += entry[1].size;
    }
  }
  await submit(pending);
  await Promise.all(inflight);
  if (failure) throw failure;
  const edgesMs = Date.now() - tEdges;

  // Prune what earlier passes derived from sources this one derived nothing from.
  const tPrune = Date.now();
  let pruned = 0;
  for (const t of present) {
    const isShared = EdgeTypes[t].provider === 'shared';
    for (;;) {
      const rows = await graph.write(
        `MATCH (a:Entity)-[r:${t}]->() WHERE r.deriveRun <> $run ${isShared ? 'AND a.provider = $provider' : ''}
         WITH r LIMIT 10000 DELETE r RETURN count(*) AS c`,
        { run, provider },
      );
      const c = Number(rows[0]?.c ?? 0);
      pruned += c;
      if (c < 10000) break;
    }
  }
  const pruneMs = Date.now() - tPrune;

  // Tier-zero marks: clear the provider's old ones that no longer hold, then set the new.
  const tTier = Date.now();
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
  const tierMs = Date.now() - tTier;
  await graph.write(
    `MERGE (d:${MetaLabel.DeriveState} {provider: $provider})
     SET d.run = $run, d.inputVersion = $inputVersion, d.finishedAt = datetime(), d.edgeCount = $edges`,
    { provider, run, inputVersion: opts.inputVersion ?? null, edges: neo4j.int(written) },
  );
  const ms = Date.now() - t0;
  const result: DerivedLoadResult = {
    run,
    edges: written,
    pruned,
    tierZero: tierZero.length,
    ms,
    phases: { edges: edgesMs, tierZero: tierMs, prune: pruneMs, other: ms - edgesMs - tierMs - pruneMs },
    transactions,
    edgeRowsPerSec: Math.round(unique / (Math.max(edgesMs, 1) / 1000)),
  };
  return result;
}

/** Derived types of `types` that hold at least one edge of the provider (one read). */
async function typesWithDerived(graph: Graph, types: EdgeType[], provider: Provider): Promise<Set<EdgeType>> {
  if (types.length === 0) return new Set();
  const q = types
    .map(
      (t) =>
        `MATCH (a:Entity)-[r:${t}]->() WHERE r.derived = true ${EdgeTypes[t].provider === 'shared' ? 'AND a.provider = $provider' : ''}
         WITH r LIMIT 1 RETURN '${t}' AS t`,
    )
    .join('\nUNION ALL\n');
  return new Set((await graph.read(q, { provider })).map((r) => r.t as EdgeType));
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
  const nodeRows = graph.stream(
    `MATCH (n:Entity) WHERE n.provider = $provider OR n.stub = true
     RETURN n.id AS id, n.kind AS kind, n.name AS name, n.scope AS scope, n.account AS account,
            n.tenant AS tenant, n.stub AS stub, properties(n) AS props`,
    { provider },
  );
  const nodes: SnapshotNode[] = [];
  const usage: UsageRecord[] = [];
  for await (const r of nodeRows) {
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
    const rows = graph.stream(
      `MATCH (a:Entity)-[r:${t}]->(b:Entity) RETURN a.id AS s, b.id AS t, r.key AS key, r.scope AS scope, properties(r) AS props`,
    );
    for await (const r of rows) {
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
