/**
 * The one batched loader. Validates every snapshot of an import first (nothing is written for
 * a bad file), creates constraints once, then writes the rows of all the snapshots together in
 * transactions of ~10k rows (one UNWIND statement per label or relationship type), each
 * committed together with the load journal, so a load interrupted at any point (Neo4j killed,
 * process killed) resumes where it stopped. Stale data of a scope is removed only after the
 * whole import loaded; a partial scope keeps its previous data.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import neo4j from 'neo4j-driver';
import type { Graph } from '../../cypher/db/graph.js';
import { AppError, errorMessage } from '../../cypher/errors.js';
import { EDGE_TYPES, type EdgeType, EdgeTypes } from '../../cypher/schema/index.js';
import { type Layout, readSnapshotFile, validateSnapshotFile } from '../snapshot/read.js';
import type { SnapshotEdge, SnapshotHeader, SnapshotNode, UsageRecord } from '../snapshot/types.js';
import { edgeHash, type SnapshotValidator } from '../snapshot/validate.js';
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
  /** First snapshot of the load group being written (several snapshots load together). */
  file?: string;
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
  /** Set when the snapshot loaded together with others (batches and times are on the leader). */
  group?: { leader: string; files: number };
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
): Promise<LoadResult & { file: string }> {
  const [r] = await loadSnapshotFiles(graph, [file], opts);
  return r!;
}

/** Version of the batch layout; part of the journal key, so a resume never mixes two layouts. */
const JOURNAL_LAYOUT = 2;

interface Prepared {
  file: string;
  header: SnapshotHeader;
  layout: Layout;
  validator: SnapshotValidator;
  hash: string;
  validateMs: number;
  scopeIds: Set<string>;
  defaultScope: string;
  /** Index of the snapshot among those written by its load group (`$scanIds[sx]`). */
  sx: number;
}

async function prepare(file: string): Promise<Prepared> {
  const t0 = Date.now();
  const [{ header, layout, validator }, hash] = await Promise.all([
    validateSnapshotFile(file),
    fileSha256(file),
  ]);
  return {
    file,
    header,
    layout,
    validator,
    hash,
    validateMs: Date.now() - t0,
    scopeIds: new Set(header.scopes.map((s) => s.id)),
    defaultScope: header.scopes[0]!.id,
    sx: 0,
  };
}

/**
 * Loads the snapshots of one import together. Every file is validated first, so a defect in
 * any of them writes nothing. Then the snapshots load as one unit: schema once, one journal,
 * node and relationship rows of all of them batched into transactions of `batchSize` rows
 * (one UNWIND statement per label / relationship type in each transaction), cleanup of every
 * complete scope after all rows are in, and scope state last. Snapshots that cover the same
 * (non-global) scope load one after the other, in the order given, as before.
 *
 * One result per file, in the order given. The group's batches, cleanup and timings are
 * reported on the first snapshot of each load group (the others carry their own validation
 * time only), so sums over the results are the totals; the row rates are the group's.
 */
export async function loadSnapshotFiles(
  graph: Graph,
  files: string[],
  opts: LoadOptions = {},
): Promise<(LoadResult & { file: string })[]> {
  if (files.length === 0) return [];
  const progress = opts.onProgress ?? (() => {});
  progress({ phase: 'validate', done: 0, total: files.length, file: files[0] });
  // Validate two files at a time; the first defect (in file order) is what the user sees.
  const prepared: (Prepared | undefined)[] = new Array(files.length);
  const failures: (unknown | undefined)[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      try {
        prepared[i] = await prepare(files[i]!);
      } catch (err) {
        failures[i] = err;
        next = files.length;
      }
      progress({ phase: 'validate', done: i + 1, total: files.length, file: files[0] });
    }
  };
  await Promise.all([worker(), worker()]);
  const failed = failures.findIndex((f) => f !== undefined);
  if (failed >= 0) throw failures[failed];
  const all = prepared as Prepared[];

  // The same scan twice: load it once (a different file under the same scan id is refused).
  const byScan = new Map<string, Prepared>();
  const unique: Prepared[] = [];
  const duplicateOf = new Map<number, Prepared>();
  for (const [i, p] of all.entries()) {
    const first = byScan.get(p.header.scanId);
    if (!first) {
      byScan.set(p.header.scanId, p);
      unique.push(p);
    } else if (first.hash === p.hash) duplicateOf.set(i, first);
    else
      throw new AppError(
        'CONFLICT',
        `${p.file} and ${first.file} both carry scan ${p.header.scanId} with different contents; give each snapshot its own scanId.`,
      );
  }

  // Load groups: a snapshot that covers a scope already covered in the current group starts
  // the next group, so a later scan of a scope still replaces an earlier one.
  const groups: Prepared[][] = [];
  let current: Prepared[] = [];
  let covered = new Set<string>();
  for (const p of unique) {
    const own = p.header.scopes.filter((s) => s.kind !== 'global').map((s) => s.id);
    if (own.some((s) => covered.has(s))) {
      groups.push(current);
      current = [];
      covered = new Set();
    }
    current.push(p);
    for (const s of own) covered.add(s);
  }
  if (current.length > 0) groups.push(current);

  const byFile = new Map<Prepared, LoadResult & { file: string }>();
  for (const g of groups) {
    for (const [p, r] of await loadGroup(graph, g, opts)) byFile.set(p, r);
  }
  return all.map((p, i) => {
    const dup = duplicateOf.get(i);
    if (dup) {
      const r = byFile.get(dup)!;
      return { ...emptyResult(p), alreadyLoaded: true, file: p.file, scopes: r.scopes };
    }
    return byFile.get(p)!;
  });
}

function emptyResult(p: Prepared): LoadResult {
  const c = p.validator.counts;
  return {
    scanId: p.header.scanId,
    provider: p.header.provider,
    scopes: p.header.scopes.map((s) => ({ id: s.id, complete: s.complete })),
    nodes: c.nodes,
    edges: c.edges,
    usage: c.usage,
    gaps: c.gaps,
    batches: 0,
    skippedBatches: 0,
    alreadyLoaded: false,
    createdEdgeTypes: [],
    cleaned: { nodes: 0, edges: 0 },
    ms: { validate: p.validateMs, nodes: 0, edges: 0, usage: 0, write: 0, cleanup: 0, total: p.validateMs },
    nodeRowsPerSec: 0,
    relRowsPerSec: 0,
  };
}

/** Thrown by the node pass at the end of a canonical file's node section (edges follow). */
class StopReading extends Error {}

interface Statement {
  cypher: string;
  batch: Batch;
}

async function loadGroup(
  graph: Graph,
  group: Prepared[],
  opts: LoadOptions,
): Promise<Map<Prepared, LoadResult & { file: string }>> {
  const t0 = Date.now();
  const out = new Map<Prepared, LoadResult & { file: string }>();
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const label = group[0]!.file;
  const progress = (p: LoadProgress) => opts.onProgress?.({ ...p, file: label });
  const now = neo4j.types.DateTime.fromStandardDate(opts.now ?? new Date());

  const edgeTypes = new Set<EdgeType>();
  for (const p of group) for (const t of p.validator.edgeTypes) edgeTypes.add(t);
  await ensureSchema(graph, edgeTypes);

  // ---- journal: one PGScan per snapshot; the group's batch journal sits on the first one.
  const existing = new Map(
    (
      await graph.read(
        `UNWIND $ids AS id MATCH (s:PGScan {id: id})
         RETURN s.id AS id, s.status AS status, s.snapshotHash AS hash, s.batches AS batches, s.loadGroup AS grp`,
        { ids: group.map((p) => p.header.scanId) },
      )
    ).map((r) => [String(r.id), r]),
  );
  for (const p of group) {
    const row = existing.get(p.header.scanId);
    if (row && row.hash !== p.hash)
      throw new AppError(
        'CONFLICT',
        `Scan ${p.header.scanId} was already loaded from a different snapshot; give this snapshot its own scanId.`,
      );
  }
  const live: Prepared[] = [];
  for (const p of group) {
    if (existing.get(p.header.scanId)?.status === 'complete') {
      out.set(p, { ...emptyResult(p), alreadyLoaded: true, file: p.file });
      progress({ phase: 'done', done: 1, total: 1 });
    } else {
      p.sx = live.length;
      live.push(p);
    }
  }
  if (live.length === 0) return out;
  const scanIds = live.map((p) => p.header.scanId);
  const leader = scanIds[0]!;
  const groupId = createHash('sha256')
    .update(JSON.stringify([JOURNAL_LAYOUT, batchSize, live.map((p) => [p.header.scanId, p.hash])]))
    .digest('hex')
    .slice(0, 32);
  // Resume only a journal written for exactly this group and batch layout; otherwise start
  // over (rows an earlier attempt wrote are merged again, never created twice: see below).
  const resume = live.every((p) => existing.get(p.header.scanId)?.grp === groupId);
  const done = new Set<number>(
    resume ? ((existing.get(leader)?.batches as number[] | null) ?? []).map(Number) : [],
  );
  await graph.write(
    `UNWIND $scans AS x
     MERGE (s:PGScan {id: x.id})
     ON CREATE SET s.status = 'loading', s.snapshotHash = x.hash, s.startedAt = datetime(),
                   s.provider = x.provider, s.scopes = x.scopes, s.source = x.source,
                   s.nodeCount = x.nodes, s.edgeCount = x.edges, s.gapCount = x.gaps
     SET s.loadGroup = $group, s.batches = CASE WHEN $resume THEN coalesce(s.batches, []) ELSE [] END`,
    {
      group: groupId,
      resume,
      scans: live.map((p) => ({
        id: p.header.scanId,
        hash: p.hash,
        provider: p.header.provider,
        scopes: p.header.scopes.map((s) => s.id),
        source: `${p.header.source.kind}: ${p.file}`,
        nodes: p.validator.counts.nodes,
        edges: p.validator.counts.edges,
        gaps: p.validator.counts.gaps,
      })),
    },
  );

  // Scopes nothing was ever loaded into (no scope state, no node): after this load everything
  // in them was written by it, so their cleanup is skipped (a first import of an estate).
  const ownScopes = [
    ...new Set(live.flatMap((p) => p.header.scopes.filter((s) => s.kind !== 'global').map((s) => s.id))),
  ];
  const known = new Set(
    (
      await graph.read(
        `UNWIND $scopes AS s
         WITH s WHERE EXISTS { MATCH (st:PGScope {id: s}) } OR EXISTS { MATCH (n:Entity) WHERE n.scope = s }
         RETURN s`,
        { scopes: ownScopes },
      )
    ).map((r) => String(r.s)),
  );

  const counts = { nodes: 0, edges: 0, usage: 0, gaps: 0 };
  for (const p of live) {
    counts.nodes += p.validator.counts.nodes;
    counts.edges += p.validator.counts.edges;
    counts.usage += p.validator.counts.usage;
    counts.gaps += p.validator.counts.gaps;
  }
  const allScopes = [...new Set(live.flatMap((p) => [...p.scopeIds]))];
  // First load of these scopes for a type (and no repeats in a file): CREATE, not MERGE.
  // On a resume of this very journal the group's own rows do not count (each batch committed
  // exactly once with its journal entry); on a fresh start they do, so nothing is doubled.
  const repeatedInFile = new Set<EdgeType>();
  for (const p of live) for (const t of p.validator.repeatedEdgeTypes) repeatedInFile.add(t);
  const createTypes = await firstLoadTypes(
    graph,
    [...edgeTypes].filter((t) => !repeatedInFile.has(t)),
    allScopes,
    resume ? scanIds : [],
  );
  const createdEdgeTypes = [...createTypes];

  // ---- nodes present in several snapshots of the group are written once: the last collected
  // row wins (as loading the files one after the other did), a stub only when no snapshot
  // collected the node (the first stub row).
  const winner = new Map<string, number>();
  if (live.length > 1) {
    const seen = new Map<string, number>();
    const multi = new Set<string>();
    for (const p of live) {
      const stubs = p.validator.stubIds;
      for (const id of p.validator.nodeIds) {
        const prev = seen.get(id);
        if (prev === undefined) seen.set(id, p.sx);
        else {
          multi.add(id);
          if (!stubs.has(id)) seen.set(id, p.sx);
        }
      }
    }
    for (const id of multi) winner.set(id, seen.get(id)!);
  }
  const shared = (id: string) => winner.has(id);

  let seq = 0;
  let batches = 0;
  let skippedBatches = 0;
  // Node batches touch distinct nodes (de-duplicated above) and run side by side;
  // relationship batches lock both end nodes (hub groups and accounts would deadlock), so
  // they run one at a time.
  const nodePool = new WritePool(Math.max(1, opts.writers ?? 2));
  const serialPool = new WritePool(1);
  let pool = nodePool;
  const write = async (statements: Statement[]) => {
    const mySeq = seq;
    seq += 1;
    if (done.has(mySeq)) {
      skippedBatches += 1;
      return;
    }
    const rows = statements.reduce((a, s) => a + s.batch.size, 0);
    await pool.submit(async () => {
      const tTx = Date.now();
      if (process.env.PERMGRAPH_DEBUG_LOAD)
        process.stderr.write(`[load] seq ${mySeq} start (${rows} rows, ${statements.length} statements)\n`);
      await graph.writeTx(async (tx) => {
        for (const s of statements) await tx.run(s.cypher, { ...s.batch.params, now, scanIds });
        await tx.run(JOURNAL_CYPHER, { journal: leader, seq: mySeq });
      });
      batches += 1;
      if (process.env.PERMGRAPH_DEBUG_LOAD)
        process.stderr.write(`[load] seq ${mySeq} committed in ${Date.now() - tTx} ms\n`);
      await opts.onBatch?.(mySeq);
    });
  };

  const tWrite = Date.now();
  let tNodesDone = tWrite;
  let tEdgesDone = tWrite;
  const usageAgg = new Map<string, UsageAgg>();
  try {
    // ---- pass 1: the nodes of every snapshot
    const nodeBuf = new Map<string, { cypher: string; buf: ColumnBuffer }>();
    let nodesBuffered = 0;
    let nodesDone = 0;
    const flushNodes = async () => {
      if (nodesBuffered === 0) return;
      const statements: Statement[] = [];
      for (const k of [...nodeBuf.keys()].sort()) {
        const b = nodeBuf.get(k)!;
        if (b.buf.size > 0) statements.push({ cypher: b.cypher, batch: b.buf.take() });
      }
      nodesDone += nodesBuffered;
      nodesBuffered = 0;
      await write(statements);
      progress({ phase: 'nodes', done: nodesDone, total: counts.nodes });
    };
    for (const p of live) {
      const nodeScopes = p.validator.nodeScopes;
      try {
        await readSnapshotFile(
          p.file,
          {
            nodes: async (n: SnapshotNode) => {
              if (shared(n.id) && winner.get(n.id) !== p.sx) return;
              const k = n.stub ? `stub:${n.kind}` : n.kind;
              let b = nodeBuf.get(k);
              if (!b) {
                b = {
                  cypher: mergeNodesCypher(n.kind, Boolean(n.stub)),
                  buf: new ColumnBuffer(nodeColumns(n.kind)),
                };
                nodeBuf.set(k, b);
              }
              b.buf.push(nodeValues(n, nodeScopes.get(n.id) ?? p.defaultScope, p.sx));
              nodesBuffered += 1;
              if (nodesBuffered >= batchSize) await flushNodes();
            },
            endSection: (section) => {
              // Canonical files list nodes first: no need to read on.
              if (section === 'nodes' && p.layout === 'canonical') throw new StopReading();
            },
          },
          p.layout,
        );
      } catch (err) {
        if (!(err instanceof StopReading)) throw err;
      }
    }
    await flushNodes();
    // Every node must be committed before the first relationship batch matches it.
    await nodePool.drain();
    pool = serialPool;
    tNodesDone = Date.now();

    // ---- pass 2: relationships (and usage) of every snapshot
    const edgeBuf = new Map<EdgeType, ColumnBuffer>();
    // CREATE types seen twice across the snapshots switch to MERGE from the batch holding the
    // repeat on (earlier batches hold no repeat, and MERGE finds what they created).
    const repeated = new Set<EdgeType>();
    const crossSeen = new Set<number>();
    let edgesBuffered = 0;
    let edgesDone = 0;
    const flushEdges = async () => {
      if (edgesBuffered === 0) return;
      const statements: Statement[] = [];
      for (const t of EDGE_TYPES) {
        const b = edgeBuf.get(t);
        if (!b || b.size === 0) continue;
        const create = createTypes.has(t) && !repeated.has(t);
        statements.push({ cypher: create ? createEdgesCypher(t) : mergeEdgesCypher(t), batch: b.take() });
      }
      edgesDone += edgesBuffered;
      edgesBuffered = 0;
      await write(statements);
      progress({ phase: 'edges', done: edgesDone, total: counts.edges });
    };
    for (const p of live) {
      const nodeScopes = p.validator.nodeScopes;
      const edgeScope = (e: SnapshotEdge): string => {
        if (e.scope) return e.scope;
        const s = nodeScopes.get(e.source);
        if (s && p.scopeIds.has(s)) return s;
        const t = nodeScopes.get(e.target);
        if (t && p.scopeIds.has(t)) return t;
        return p.defaultScope;
      };
      await readSnapshotFile(
        p.file,
        {
          edges: async (e: SnapshotEdge) => {
            if (createTypes.has(e.type) && !repeated.has(e.type) && shared(e.source) && shared(e.target)) {
              const h = edgeHash(`${e.type}\u0000${e.source}\u0000${e.target}\u0000${e.key ?? ''}`);
              if (crossSeen.has(h)) repeated.add(e.type);
              else crossSeen.add(h);
            }
            let b = edgeBuf.get(e.type);
            if (!b) {
              b = new ColumnBuffer(edgeColumns(e.type));
              edgeBuf.set(e.type, b);
            }
            b.push(edgeValues(e, edgeScope(e), p.sx));
            edgesBuffered += 1;
            if (edgesBuffered >= batchSize) await flushEdges();
          },
          usage: (u: UsageRecord) => aggregateUsage(usageAgg, u),
        },
        p.layout,
      );
    }
    await flushEdges();
    await pool.drain();
    tEdgesDone = Date.now();

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
        await write([{ cypher: applyUsageCypher, batch: usage.take() }]);
        progress({ phase: 'usage', done: usageDone, total: usageAgg.size });
      }
    }
    if (usage.size > 0) await write([{ cypher: applyUsageCypher, batch: usage.take() }]);
    await pool.drain();
  } catch (err) {
    await nodePool.drain().catch(() => undefined);
    await serialPool.drain().catch(() => undefined);
    await markScans(graph, scanIds, 'loading', errorMessage(err)).catch(() => undefined);
    if (err instanceof AppError) throw err;
    const what = live.length === 1 ? live[0]!.file : `${live.length} snapshots (${live[0]!.file}, ...)`;
    throw new AppError(
      'LOAD_FAILED',
      `Loading ${what} stopped after ${batches} batches: ${errorMessage(err)}. ` +
        'Data from earlier complete scans is untouched; run the same command again to resume.',
      { cause: err },
    );
  }
  const tUsageDone = Date.now();

  // ---- cleanup of every complete scope, then scope state
  const complete = live.flatMap((p) =>
    p.header.scopes.filter((s) => s.complete && s.kind !== 'global' && known.has(s.id)).map((s) => s.id),
  );
  const cleaned =
    complete.length > 0
      ? await cleanupScopes(graph, complete, scanIds, (n) =>
          progress({ phase: 'cleanup', done: n, total: 0 }),
        )
      : { nodes: 0, edges: 0 };
  await graph.write(
    `UNWIND $scopes AS s
     MERGE (st:PGScope {id: s.id})
     SET st.provider = s.provider,
         st.stale = NOT s.complete,
         st.staleReason = CASE WHEN s.complete THEN null ELSE s.reason END,
         st.lastCompleteScan = CASE WHEN s.complete THEN s.scan ELSE st.lastCompleteScan END,
         st.lastCompleteAt = CASE WHEN s.complete THEN $now ELSE st.lastCompleteAt END`,
    {
      now,
      scopes: live.flatMap((p) =>
        p.header.scopes
          .filter((s) => s.kind !== 'global')
          .map((s) => ({
            id: s.id,
            complete: s.complete,
            provider: p.header.provider,
            scan: p.header.scanId,
            reason:
              p.validator.counts.gaps > 0
                ? `scan ${p.header.scanId} was partial (${p.validator.counts.gaps} gaps); older data kept`
                : `scan ${p.header.scanId} was partial`,
          })),
      ),
    },
  );
  await graph.write(
    `MATCH (n:Entity {stub: true}) WHERE NOT (n)--()
     WITH n LIMIT 100000 DELETE n RETURN count(*) AS c`,
  );
  await markScans(graph, scanIds, 'complete');
  const tEnd = Date.now();

  const ms = {
    validate: 0,
    nodes: tNodesDone - tWrite,
    edges: tEdgesDone - tNodesDone,
    usage: tUsageDone - tEdgesDone,
    write: tUsageDone - tWrite,
    cleanup: tEnd - tUsageDone,
    total: 0,
  };
  const nodeRowsPerSec = Math.round(counts.nodes / (Math.max(ms.nodes, 1) / 1000));
  const relRowsPerSec = Math.round(counts.edges / (Math.max(ms.edges, 1) / 1000));
  for (const [i, p] of live.entries()) {
    const r: LoadResult & { file: string } = {
      ...emptyResult(p),
      file: p.file,
      createdEdgeTypes,
      nodeRowsPerSec,
      relRowsPerSec,
    };
    if (i === 0) {
      r.batches = batches;
      r.skippedBatches = skippedBatches;
      r.cleaned = cleaned;
      r.ms = { ...ms, validate: p.validateMs, total: p.validateMs + (tEnd - t0) };
    }
    if (live.length > 1) r.group = { leader: live[0]!.file, files: live.length };
    out.set(p, r);
  }
  progress({ phase: 'done', done: 1, total: 1 });
  return out;
}

async function markScans(graph: Graph, scans: string[], status: string, error?: string): Promise<void> {
  await graph.write(
    `UNWIND $scans AS id MATCH (s:PGScan {id: id})
     SET s.status = $status, s.finishedAt = datetime(), s.error = $error`,
    { scans, status, error: error ?? null },
  );
}

/** Removes what a complete scan of the scope no longer saw, in bounded batches. */
export function cleanupScope(
  graph: Graph,
  scope: string,
  scan: string,
  onProgress?: (done: number) => void,
): Promise<{ nodes: number; edges: number }> {
  return cleanupScopes(graph, [scope], [scan], onProgress);
}

/**
 * Removes from the given (complete) scopes what none of the given scans saw, in bounded
 * batches: one read finds the relationship types holding anything stale (index seeks on
 * r.scope), only those get delete transactions, then the nodes. A first load deletes nothing
 * and costs two round trips.
 */
export async function cleanupScopes(
  graph: Graph,
  scopes: string[],
  scans: string[],
  onProgress?: (done: number) => void,
): Promise<{ nodes: number; edges: number }> {
  let edges = 0;
  const collected = (await presentEdgeTypes(graph)).filter((t) => !EdgeTypes[t].derived);
  const stale = await typesMatching(graph, collected, 'r.scope IN $scopes AND NOT r.lastSeenScan IN $scans', {
    scopes,
    scans,
  });
  for (const t of stale) {
    for (;;) {
      const rows = await graph.write(
        `MATCH ()-[r:${t}]->() WHERE r.scope IN $scopes AND NOT r.lastSeenScan IN $scans
         WITH r LIMIT 10000 DELETE r RETURN count(*) AS c`,
        { scopes, scans },
      );
      const c = Number(rows[0]?.c ?? 0);
      edges += c;
      if (c < 10000) break;
    }
  }
  let nodes = 0;
  for (;;) {
    const rows = await graph.write(
      `MATCH (n:Entity) WHERE n.scope IN $scopes AND NOT n.lastSeenScan IN $scans
       WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`,
      { scopes, scans },
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

/** Types with no relationship in these scopes except ones written by the `own` scans (resume). */
async function firstLoadTypes(
  graph: Graph,
  types: EdgeType[],
  scopes: string[],
  own: string[],
): Promise<Set<EdgeType>> {
  const taken = await typesMatching(graph, types, 'r.scope IN $scopes AND NOT r.lastSeenScan IN $own', {
    scopes,
    own,
  });
  return new Set(types.filter((t) => !taken.has(t)));
}
