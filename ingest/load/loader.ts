/**
 * The one batched loader. Validates the whole snapshot first (nothing is written for a bad
 * file), creates constraints, then writes UNWIND/MERGE batches of ~10k rows, each in its own
 * transaction together with the scan journal, so a load interrupted at any point (Neo4j
 * killed, process killed) resumes where it stopped. Stale data of a scope is removed only
 * after the scope loaded completely; a partial scope keeps its previous data.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import neo4j from 'neo4j-driver';
import type { Graph } from '../../cypher/db/graph.js';
import { AppError, errorMessage } from '../../cypher/errors.js';
import { EDGE_TYPES, type EdgeType, EdgeTypes } from '../../cypher/schema/index.js';
import { readSnapshotFile, validateSnapshotFile } from '../snapshot/read.js';
import type { SnapshotEdge, SnapshotHeader, SnapshotNode, UsageRecord } from '../snapshot/types.js';
import {
  applyUsageCypher,
  type Batch,
  ColumnBuffer,
  createEdgesCypher,
  edgeColumns,
  edgeValues,
  JOURNAL_CYPHER,
  mergeEdgesCypher,
  mergeNodesCypher,
  nodeColumns,
  nodeValues,
  USAGE_COLUMNS,
} from './rows.js';
import { ensureSchema } from './schema.js';

export const DEFAULT_BATCH_SIZE = 10_000;

export type LoadPhase = 'validate' | 'nodes' | 'edges' | 'usage' | 'cleanup' | 'done';
export interface LoadProgress {
  phase: LoadPhase;
  done: number;
  total: number;
}

export interface LoadOptions {
  batchSize?: number;
  onProgress?: (p: LoadProgress) => void;
  /** Called after each committed batch (tests use it to kill Neo4j mid-load). */
  onBatch?: (seq: number) => void | Promise<void>;
  /** Node write transactions in flight at once (default 2); relationship batches are serial. */
  writers?: number;
  now?: Date;
}

export interface LoadResult {
  scanId: string;
  provider: string;
  scopes: { id: string; complete: boolean }[];
  nodes: number;
  edges: number;
  usage: number;
  gaps: number;
  batches: number;
  skippedBatches: number;
  alreadyLoaded: boolean;
  /** Relationship types written with CREATE (first load of their scopes) rather than MERGE. */
  createdEdgeTypes: string[];
  cleaned: { nodes: number; edges: number };
  ms: {
    validate: number;
    nodes: number;
    edges: number;
    usage: number;
    write: number;
    cleanup: number;
    total: number;
  };
  nodeRowsPerSec: number;
  relRowsPerSec: number;
}

export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface UsageAgg {
  subject: string;
  identityLevel: boolean;
  lastUsed: string | null;
  trackedSince: string | null;
  serviceUsage: Record<string, string | null>;
  actionUsage: Record<string, string | null>;
}

const later = (a: string | null | undefined, b: string | null): string | null => {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
};

function aggregateUsage(agg: Map<string, UsageAgg>, u: UsageRecord): void {
  let a = agg.get(u.subject);
  if (!a) {
    a = {
      subject: u.subject,
      identityLevel: false,
      lastUsed: null,
      trackedSince: null,
      serviceUsage: {},
      actionUsage: {},
    };
    agg.set(u.subject, a);
  }
  if (u.trackedSince)
    a.trackedSince = a.trackedSince
      ? Date.parse(u.trackedSince) < Date.parse(a.trackedSince)
        ? u.trackedSince
        : a.trackedSince
      : u.trackedSince;
  if (u.action) {
    a.actionUsage[u.action] = later(a.actionUsage[u.action], u.lastUsed);
  } else if (u.service) {
    a.serviceUsage[u.service] = later(a.serviceUsage[u.service], u.lastUsed);
  } else {
    a.lastUsed = a.identityLevel ? later(a.lastUsed, u.lastUsed) : u.lastUsed;
    a.identityLevel = true;
  }
}

const dt = (iso: string | null) => (iso ? neo4j.types.DateTime.fromStandardDate(new Date(iso)) : null);

/** At most `limit` writes in flight; the first failure stops new submissions and is rethrown. */
export class WritePool {
  private inflight = new Set<Promise<void>>();
  private failure: unknown = null;
  constructor(private readonly limit: number) {}
  async submit(work: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inflight.size >= this.limit) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const p: Promise<void> = work()
      .catch((err) => {
        this.failure ??= err;
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
  }
}

/** Loads one snapshot file. Idempotent: the same file twice gives the same graph. */
export async function loadSnapshotFile(
  graph: Graph,
  file: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const t0 = Date.now();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const progress = opts.onProgress ?? (() => {});
  progress({ phase: 'validate', done: 0, total: 1 });
  const [{ header, layout, validator }, hash] = await Promise.all([
    validateSnapshotFile(file),
    fileSha256(file),
  ]);
  const tValidated = Date.now();
  const counts = validator.counts;
  const scopeIds = new Set(header.scopes.map((s) => s.id));
  const defaultScope = header.scopes[0]!.id;
  const nodeScopes = validator.nodeScopes;
  const now = neo4j.types.DateTime.fromStandardDate(opts.now ?? new Date());
  const scan = header.scanId;

  await ensureSchema(graph, validator.edgeTypes);
  const journal = await openJournal(graph, header, hash, file, counts);
  const result: LoadResult = {
    scanId: scan,
    provider: header.provider,
    scopes: header.scopes.map((s) => ({ id: s.id, complete: s.complete })),
    nodes: counts.nodes,
    edges: counts.edges,
    usage: counts.usage,
    gaps: counts.gaps,
    batches: 0,
    skippedBatches: 0,
    alreadyLoaded: journal.status === 'complete',
    createdEdgeTypes: [],
    cleaned: { nodes: 0, edges: 0 },
    ms: { validate: tValidated - t0, nodes: 0, edges: 0, usage: 0, write: 0, cleanup: 0, total: 0 },
    nodeRowsPerSec: 0,
    relRowsPerSec: 0,
  };
  if (journal.status === 'complete') {
    result.ms.total = Date.now() - t0;
    progress({ phase: 'done', done: 1, total: 1 });
    return result;
  }

  // First load of these scopes for a type (and no repeats in the file): CREATE, not MERGE.
  // Safe on resume too: each batch commits with its journal entry, exactly once.
  const createTypes = await firstLoadTypes(
    graph,
    [...validator.edgeTypes].filter((t) => !validator.repeatedEdgeTypes.has(t)),
    [...scopeIds],
    scan,
  );
  result.createdEdgeTypes = [...createTypes];
  let seq = 0;
  // Node batches touch distinct nodes and run side by side; relationship batches lock both
  // end nodes (hub groups and accounts would deadlock), so they run one at a time.
  const nodePool = new WritePool(Math.max(1, opts.writers ?? 2));
  const serialPool = new WritePool(1);
  let pool = nodePool;
  const write = async (cypher: string, batch: Batch) => {
    const mySeq = seq;
    seq += 1;
    if (journal.done.has(mySeq)) {
      result.skippedBatches += 1;
      return;
    }
    await pool.submit(async () => {
      const tTx = Date.now();
      if (process.env.PERMGRAPH_DEBUG_LOAD)
        process.stderr.write(`[load] seq ${mySeq} start (${batch.size} rows)\n`);
      await graph.writeTx(async (tx) => {
        await tx.run(cypher, { ...batch.params, now, scan });
        await tx.run(JOURNAL_CYPHER, { scan, seq: mySeq });
      });
      result.batches += 1;
      if (process.env.PERMGRAPH_DEBUG_LOAD)
        process.stderr.write(`[load] seq ${mySeq} committed in ${Date.now() - tTx} ms\n`);
      await opts.onBatch?.(mySeq);
    });
  };

  const tWrite = Date.now();
  const nodeBuf = new Map<string, { cypher: string; buf: ColumnBuffer }>();
  let nodesDone = 0;
  const flushNodes = async (k: string) => {
    const b = nodeBuf.get(k);
    if (!b || b.buf.size === 0) return;
    const batch = b.buf.take();
    await write(b.cypher, batch);
    nodesDone += batch.size;
    progress({ phase: 'nodes', done: nodesDone, total: counts.nodes });
  };
  const usageAgg = new Map<string, UsageAgg>();
  const edgeBuf = new Map<EdgeType, ColumnBuffer>();
  let edgesDone = 0;
  const flushEdges = async (t: EdgeType) => {
    const b = edgeBuf.get(t);
    if (!b || b.size === 0) return;
    const batch = b.take();
    await write(createTypes.has(t) ? createEdgesCypher(t) : mergeEdgesCypher(t), batch);
    edgesDone += batch.size;
    progress({ phase: 'edges', done: edgesDone, total: counts.edges });
  };
  const edgeScope = (e: SnapshotEdge): string => {
    if (e.scope) return e.scope;
    const s = nodeScopes.get(e.source);
    if (s && scopeIds.has(s)) return s;
    const t = nodeScopes.get(e.target);
    if (t && scopeIds.has(t)) return t;
    return defaultScope;
  };
  let tNodesDone = 0;
  const finishNodes = async () => {
    for (const k of [...nodeBuf.keys()].sort()) await flushNodes(k);
    // Every node must be committed before the first relationship batch matches it.
    await nodePool.drain();
    pool = serialPool;
    tNodesDone = Date.now();
  };

  // Generic layouts may interleave sections, so edges are read in a second pass then.
  const pass = async (wantNodes: boolean, wantEdges: boolean) => {
    await readSnapshotFile(
      file,
      {
        nodes: wantNodes
          ? async (n: SnapshotNode) => {
              const k = n.stub ? `stub:${n.kind}` : n.kind;
              let b = nodeBuf.get(k);
              if (!b) {
                b = {
                  cypher: mergeNodesCypher(n.kind, Boolean(n.stub)),
                  buf: new ColumnBuffer(nodeColumns(n.kind)),
                };
                nodeBuf.set(k, b);
              }
              b.buf.push(nodeValues(n, nodeScopes.get(n.id) ?? defaultScope));
              if (b.buf.size >= batchSize) await flushNodes(k);
            }
          : undefined,
        endSection: wantNodes
          ? async (section) => {
              if (section === 'nodes') await finishNodes();
            }
          : undefined,
        edges: wantEdges
          ? async (e: SnapshotEdge) => {
              let b = edgeBuf.get(e.type);
              if (!b) {
                b = new ColumnBuffer(edgeColumns(e.type));
                edgeBuf.set(e.type, b);
              }
              b.push(edgeValues(e, edgeScope(e)));
              if (b.size >= batchSize) await flushEdges(e.type);
            }
          : undefined,
        usage: wantEdges ? (u: UsageRecord) => aggregateUsage(usageAgg, u) : undefined,
      },
      layout,
    );
  };
  try {
    if (layout === 'canonical') await pass(true, true);
    else {
      await pass(true, false);
      await pass(false, true);
    }
    if (tNodesDone === 0) await finishNodes();
    for (const t of EDGE_TYPES) await flushEdges(t);
    await pool.drain();
    const tEdgesDone = Date.now();

    // ---- usage
    const usage = new ColumnBuffer(USAGE_COLUMNS);
    let usageDone = 0;
    for (const a of usageAgg.values()) {
      usage.push({
        subjects: a.subject,
        identityLevel: a.identityLevel,
        lastUsed: dt(a.lastUsed),
        trackedSince: dt(a.trackedSince),
        serviceUsage: JSON.stringify(a.serviceUsage),
        actionUsage: JSON.stringify(a.actionUsage),
      });
      if (usage.size >= batchSize) {
        usageDone += usage.size;
        await write(applyUsageCypher, usage.take());
        progress({ phase: 'usage', done: usageDone, total: usageAgg.size });
      }
    }
    if (usage.size > 0) await write(applyUsageCypher, usage.take());
    await pool.drain();
    result.ms.nodes = tNodesDone - tWrite;
    result.ms.edges = tEdgesDone - tNodesDone;
    result.ms.usage = Date.now() - tEdgesDone;
  } catch (err) {
    await nodePool.drain().catch(() => undefined);
    await serialPool.drain().catch(() => undefined);
    await markScan(graph, scan, 'loading', errorMessage(err)).catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw new AppError(
      'LOAD_FAILED',
      `Loading ${file} stopped after ${result.batches} batches: ${errorMessage(err)}. ` +
        'Data from earlier complete scans is untouched; run the same command again to resume.',
      { cause: err },
    );
  }
  result.ms.write = Date.now() - tWrite;

  // ---- cleanup per complete scope, then scope state
  const tClean = Date.now();
  for (const s of header.scopes) {
    if (s.complete && s.kind !== 'global') {
      const c = await cleanupScope(graph, s.id, scan, (done) =>
        progress({ phase: 'cleanup', done, total: 0 }),
      );
      result.cleaned.nodes += c.nodes;
      result.cleaned.edges += c.edges;
    }
  }
  await graph.write(
    `UNWIND $scopes AS s
     MERGE (st:PGScope {id: s.id})
     SET st.provider = $provider,
         st.stale = NOT s.complete,
         st.staleReason = CASE WHEN s.complete THEN null ELSE $reason END,
         st.lastCompleteScan = CASE WHEN s.complete THEN $scan ELSE st.lastCompleteScan END,
         st.lastCompleteAt = CASE WHEN s.complete THEN $now ELSE st.lastCompleteAt END`,
    {
      scopes: header.scopes
        .filter((s) => s.kind !== 'global')
        .map((s) => ({ id: s.id, complete: s.complete })),
      provider: header.provider,
      scan,
      now,
      reason:
        counts.gaps > 0
          ? `scan ${scan} was partial (${counts.gaps} gaps); older data kept`
          : `scan ${scan} was partial`,
    },
  );
  await graph.write(
    `MATCH (n:Entity {stub: true}) WHERE NOT (n)--()
     WITH n LIMIT 100000 DELETE n RETURN count(*) AS c`,
  );
  await markScan(graph, scan, 'complete');
  result.ms.cleanup = Date.now() - tClean;
  result.ms.total = Date.now() - t0;
  result.nodeRowsPerSec = Math.round(counts.nodes / (Math.max(result.ms.nodes, 1) / 1000));
  result.relRowsPerSec = Math.round(counts.edges / (Math.max(result.ms.edges, 1) / 1000));
  progress({ phase: 'done', done: 1, total: 1 });
  return result;
}

interface Journal {
  status: string;
  done: Set<number>;
}

async function openJournal(
  graph: Graph,
  header: SnapshotHeader,
  hash: string,
  file: string,
  counts: { nodes: number; edges: number; gaps: number },
): Promise<Journal> {
  const rows = await graph.write(
    `MERGE (s:PGScan {id: $scan})
     ON CREATE SET s.status = 'loading', s.snapshotHash = $hash, s.batches = [], s.startedAt = datetime(),
                   s.provider = $provider, s.scopes = $scopes, s.source = $source,
                   s.nodeCount = $nodes, s.edgeCount = $edges, s.gapCount = $gaps, s.created = true
     WITH s, coalesce(s.created, false) AS created
     REMOVE s.created
     RETURN s.status AS status, s.snapshotHash AS hash, s.batches AS batches, created`,
    {
      scan: header.scanId,
      hash,
      provider: header.provider,
      scopes: header.scopes.map((s) => s.id),
      source: `${header.source.kind}: ${file}`,
      nodes: counts.nodes,
      edges: counts.edges,
      gaps: counts.gaps,
    },
  );
  const row = rows[0]!;
  if (row.hash !== hash) {
    throw new AppError(
      'CONFLICT',
      `Scan ${header.scanId} was already loaded from a different snapshot; give this snapshot its own scanId.`,
    );
  }
  return { status: String(row.status), done: new Set(((row.batches as number[] | null) ?? []).map(Number)) };
}

async function markScan(graph: Graph, scan: string, status: string, error?: string): Promise<void> {
  await graph.write(
    `MATCH (s:PGScan {id: $scan}) SET s.status = $status, s.finishedAt = datetime(), s.error = $error`,
    { scan, status, error: error ?? null },
  );
}

/** Removes what a complete scan of the scope no longer saw, in bounded batches. */
export async function cleanupScope(
  graph: Graph,
  scope: string,
  scan: string,
  onProgress?: (done: number) => void,
): Promise<{ nodes: number; edges: number }> {
  let edges = 0;
  // One read finds the types that hold anything stale in the scope (index seeks on r.scope);
  // only those get delete transactions. A first load of a scope deletes nothing and costs one
  // round trip instead of one write per relationship type.
  const collected = (await presentEdgeTypes(graph)).filter((t) => !EdgeTypes[t].derived);
  const stale = await typesMatching(graph, collected, 'r.scope = $scope AND r.lastSeenScan <> $scan', {
    scope,
    scan,
  });
  for (const t of stale) {
    for (;;) {
      const rows = await graph.write(
        `MATCH ()-[r:${t}]->() WHERE r.scope = $scope AND r.lastSeenScan <> $scan
         WITH r LIMIT 10000 DELETE r RETURN count(*) AS c`,
        { scope, scan },
      );
      const c = Number(rows[0]?.c ?? 0);
      edges += c;
      if (c < 10000) break;
    }
  }
  let nodes = 0;
  for (;;) {
    const rows = await graph.write(
      `MATCH (n:Entity) WHERE n.scope = $scope AND n.lastSeenScan <> $scan
       WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`,
      { scope, scan },
    );
    const c = Number(rows[0]?.c ?? 0);
    nodes += c;
    onProgress?.(nodes + edges);
    if (c < 5000) break;
  }
  return { nodes, edges };
}

/**
 * The relationship types (of `types`) that have at least one relationship matching `where`
 * (over `r`), in one round trip: a UNION of one bounded index seek per type.
 */
export async function typesMatching(
  graph: Graph,
  types: readonly EdgeType[],
  where: string,
  params: Record<string, unknown>,
): Promise<Set<EdgeType>> {
  if (types.length === 0) return new Set();
  const q = types
    .map((t) => `MATCH ()-[r:${t}]->() WHERE ${where} WITH r LIMIT 1 RETURN '${t}' AS t`)
    .join('\nUNION ALL\n');
  return new Set((await graph.read(q, params)).map((r) => r.t as EdgeType));
}

/** Relationship types that have at least one relationship (count store; constant time per type). */
export async function presentEdgeTypes(graph: Graph): Promise<EdgeType[]> {
  const q = EDGE_TYPES.map(
    (t) => `MATCH ()-[r:${t}]->() WITH count(r) AS c WHERE c > 0 RETURN '${t}' AS t`,
  ).join(' UNION ALL ');
  return (await graph.read(q)).map((r) => r.t as EdgeType);
}

/** Types with no relationship in these scopes except the ones this scan wrote (resume). */
async function firstLoadTypes(
  graph: Graph,
  types: EdgeType[],
  scopes: string[],
  scan: string,
): Promise<Set<EdgeType>> {
  const taken = await typesMatching(graph, types, 'r.scope IN $scopes AND r.lastSeenScan <> $scan', {
    scopes,
    scan,
  });
  return new Set(types.filter((t) => !taken.has(t)));
}
