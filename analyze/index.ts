/**
 * Analyses: PCI, then every saved query that reports risks, turned into findings with stable
 * fingerprints; each run is an analysis scan (PGScan kind 'analysis') that records the
 * fingerprints it reported, so any two scans can be diffed (new / resolved / unchanged).
 */
import { randomBytes } from 'node:crypto';
import neo4j from 'neo4j-driver';
import type { Graph } from '../cypher/db/graph.js';
import { AppError, errorMessage } from '../cypher/errors.js';
import { loadQueryConfig } from '../cypher/query-config.js';
import { loadRegistry, type SavedQuery } from '../cypher/registry.js';
import { runSavedQuery } from '../cypher/saved.js';
import { MetaLabel, schemaStatements } from '../cypher/schema/index.js';
import {
  type Finding,
  type FindingStatus,
  findingFromRow,
  type RawFinding,
  rowsToFindings,
  severityRank,
} from './findings.js';
import { computeAllPci, type PciResult } from './pci.js';

export { type Finding, type FindingFilter, getFinding, listFindings } from './findings.js';
export { computeAllPci, pciLevel, pciScore, pciSummary, rollupPci } from './pci.js';

export const DEFAULT_LOOKBACK_DAYS = 90;
/** Rows a saved query may contribute to one analysis. */
export const ANALYSIS_ROW_LIMIT = 100_000;

export interface AnalyzeOptions {
  /** Saved query ids to run (default: every query that reports risks: severity above info, no required params). */
  queries?: string[];
  lookbackDays?: number;
  /** Extra query directories (default PERMGRAPH_QUERY_DIR). */
  queryDirs?: string[];
  /** Recorded on the scan. */
  inputs?: string[];
  now?: Date;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  onProgress?: (e: { stage: string; message: string; pct?: number }) => void;
}

export interface QueryRun {
  id: string;
  findings: number;
  ms: number;
  truncated: boolean;
  error?: string;
}

export interface AnalyzeSummary {
  scan: string;
  previousScan: string | null;
  lookbackDays: number;
  queries: QueryRun[];
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  unchanged: number;
  newHighRisk: number;
  pci: { identities: number; high: number; medium: number; low: number; ms: number };
  ms: number;
}

export interface ScanInfo {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  previousScan: string | null;
  inputs: string[];
  lookbackDays: number | null;
  findingsTotal: number;
  findingsNew: number;
  findingsResolved: number;
  findingsUnchanged: number;
  newHighRisk: number;
  analyzeMs: number | null;
  diffMs: number | null;
  queryErrors: { id: string; message: string }[];
}

export interface ScanDiff {
  from: string;
  to: string;
  newFindings: Finding[];
  resolvedFindings: Finding[];
  unchanged: number;
  newPaths: number;
  resolvedPaths: number;
  newHighRisk: number;
  ms: number;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Queries an analysis runs by default: they report risks (not info) and need no input. */
export function analysisQueries(all: SavedQuery[]): SavedQuery[] {
  return all.filter((q) => q.severity !== 'info' && !q.params.some((p) => p.required));
}

async function ensureMetaSchema(graph: Graph): Promise<void> {
  for (const stmt of schemaStatements()) {
    if (/PGFinding|PGScan|pci/.test(stmt)) await graph.run(stmt);
  }
}

function newScanId(now: Date): string {
  return `analysis-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

async function previousAnalysisScan(
  graph: Graph,
  exclude?: string,
): Promise<{ id: string; fps: string[] } | null> {
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.Scan} {kind: 'analysis', status: 'complete'}) WHERE $exclude IS NULL OR s.id <> $exclude
     RETURN s.id AS id, s.fingerprints AS fps ORDER BY s.finishedAt DESC, s.id DESC LIMIT 1`,
    { exclude: exclude ?? null },
  );
  const r = rows[0];
  return r ? { id: String(r.id), fps: ((r.fps as string[] | null) ?? []).map(String) } : null;
}

/**
 * Runs PCI and the analysis queries, writes findings and an analysis scan, and diffs it
 * against the previous analysis scan. A failing query is recorded on the scan; its earlier
 * findings are carried over unchanged (never resolved by a failure).
 */
export async function runAnalyses(graph: Graph, opts: AnalyzeOptions = {}): Promise<AnalyzeSummary> {
  const t0 = Date.now();
  const now = opts.now ?? new Date();
  const lookbackDays = opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  if (!Number.isInteger(lookbackDays) || lookbackDays < 1 || lookbackDays > 3650) {
    throw new AppError('BAD_REQUEST', `lookbackDays ${lookbackDays} must be a whole number of days (1-3650)`);
  }
  const progress = opts.onProgress ?? (() => {});
  await ensureMetaSchema(graph);
  const registry = await loadRegistry(opts.queryDirs);
  let selected: SavedQuery[];
  if (opts.queries && opts.queries.length > 0) {
    selected = opts.queries.map((id) => {
      const q = registry.get(id);
      if (!q) throw new AppError('QUERY_NOT_FOUND', `saved query ${id} does not exist`);
      if (q.params.some((p) => p.required)) {
        throw new AppError('BAD_REQUEST', `saved query ${id} needs parameters and cannot run as an analysis`);
      }
      return q;
    });
  } else selected = analysisQueries(registry.list());

  const scanId = newScanId(now);
  const previous = await previousAnalysisScan(graph);
  await graph.write(
    `CREATE (s:${MetaLabel.Scan} {id: $id, kind: 'analysis', status: 'running', startedAt: datetime($at),
       inputs: $inputs, lookbackDays: $lookback, queries: $queries})`,
    {
      id: scanId,
      at: now.toISOString(),
      inputs: opts.inputs ?? [],
      lookback: neo4j.int(lookbackDays),
      queries: selected.map((q) => q.id),
    },
  );

  try {
    // 1. PCI first, so the PCI queries see fresh scores.
    progress({ stage: 'pci', message: 'computing the Permission Creep Index', pct: 5 });
    const tPci = Date.now();
    const pci: PciResult[] = await computeAllPci(graph, { lookbackDays, now });
    const pciMs = Date.now() - tPci;

    // 2. Queries.
    const cfg = loadQueryConfig();
    const found = new Map<string, RawFinding>();
    const runs: QueryRun[] = [];
    const failed: string[] = [];
    for (const [i, q] of selected.entries()) {
      progress({
        stage: 'analyze',
        message: q.id,
        pct: 10 + Math.round((80 * i) / Math.max(1, selected.length)),
      });
      const tq = Date.now();
      try {
        const values = registry.validateParams(
          q,
          q.params.some((p) => p.name === 'lookbackDays') ? { lookbackDays } : {},
        );
        const res = await runSavedQuery(graph, q, values, {
          timeoutMs: Math.max(cfg.timeoutMs, 300_000),
          rowLimit: ANALYSIS_ROW_LIMIT,
          keepRaw: true,
        });
        const fs = rowsToFindings(q, res.rows, res.raw ?? []);
        for (const f of fs) if (!found.has(f.fingerprint)) found.set(f.fingerprint, f);
        runs.push({ id: q.id, findings: fs.length, ms: Date.now() - tq, truncated: res.truncated });
      } catch (err) {
        failed.push(q.id);
        runs.push({ id: q.id, findings: 0, ms: Date.now() - tq, truncated: false, error: errorMessage(err) });
        opts.log?.(`query ${q.id} failed: ${errorMessage(err)}`, { query: q.id });
      }
    }

    // 3. Subjects' provider / account / scope.
    const subjects = [...new Set([...found.values()].map((f) => f.subjectId))];
    for (let i = 0; i < subjects.length; i += 10_000) {
      const rows = await graph.read(
        `UNWIND $ids AS id MATCH (n:Entity {id: id})
         RETURN n.id AS id, n.provider AS provider, n.account AS account, n.scope AS scope`,
        { ids: subjects.slice(i, i + 10_000) },
      );
      const by = new Map(rows.map((r) => [String(r.id), r]));
      for (const f of found.values()) {
        const r = by.get(f.subjectId);
        if (!r) continue;
        f.provider = (r.provider as string | null) ?? f.provider;
        f.account = (r.account as string | null) ?? f.account;
        f.scope = (r.scope as string | null) ?? null;
      }
    }

    // 4. Write findings: new when the previous scan did not report them.
    progress({ stage: 'findings', message: `writing ${found.size} findings`, pct: 92 });
    const tDiff = Date.now();
    const prevSet = new Set(previous?.fps ?? []);
    const all = [...found.values()];
    for (let i = 0; i < all.length; i += 5000) {
      const batch = all.slice(i, i + 5000).map((f) => ({
        fingerprint: f.fingerprint,
        queryId: f.queryId,
        title: f.title,
        severity: f.severity,
        severityRank: neo4j.int(severityRank(f.severity)),
        category: f.category,
        subjectId: f.subjectId,
        subjectName: f.subjectName,
        targetId: f.targetId,
        provider: f.provider,
        account: f.account,
        scope: f.scope,
        evidence: JSON.stringify(f.evidence),
        path: f.path,
        status: prevSet.has(f.fingerprint) ? 'open' : 'new',
      }));
      await graph.write(
        `UNWIND $rows AS row
         MERGE (f:${MetaLabel.Finding} {fingerprint: row.fingerprint})
         ON CREATE SET f.firstSeen = datetime($at), f.firstSeenScan = $scan
         SET f.queryId = row.queryId, f.title = row.title, f.severity = row.severity,
             f.severityRank = row.severityRank, f.category = row.category, f.subjectId = row.subjectId,
             f.subjectName = row.subjectName, f.targetId = row.targetId, f.provider = row.provider,
             f.account = row.account, f.scope = row.scope, f.evidence = row.evidence, f.path = row.path,
             f.status = row.status, f.lastSeen = datetime($at), f.lastSeenScan = $scan, f.resolvedScan = null`,
        { rows: batch, at: now.toISOString(), scan: scanId },
      );
    }
    // Findings of failed queries and of queries not run this time stay as they were.
    const ranOk = selected.map((q) => q.id).filter((id) => !failed.includes(id));
    const carried = await graph.read(
      `MATCH (f:${MetaLabel.Finding}) WHERE f.status IN ['new', 'open'] AND NOT f.queryId IN $ran
       RETURN f.fingerprint AS fp`,
      { ran: ranOk },
    );
    const fingerprints = [
      ...found.keys(),
      ...carried.map((r) => String(r.fp)).filter((fp) => !found.has(fp)),
    ];
    // Resolve what the queries that ran no longer report.
    const resolvedRows = await graph.write(
      `MATCH (f:${MetaLabel.Finding}) WHERE f.status IN ['new', 'open'] AND f.queryId IN $ran AND f.lastSeenScan <> $scan
       SET f.status = 'resolved', f.resolvedScan = $scan
       RETURN count(f) AS n`,
      { ran: ranOk, scan: scanId },
    );
    const current = new Set(fingerprints);
    const newCount = fingerprints.filter((fp) => !prevSet.has(fp)).length;
    const resolvedCount = [...prevSet].filter((fp) => !current.has(fp)).length;
    const unchanged = fingerprints.length - newCount;
    const newHighRisk = all.filter(
      (f) => !prevSet.has(f.fingerprint) && severityRank(f.severity) >= 3,
    ).length;
    const diffMs = Date.now() - tDiff;
    const ms = Date.now() - t0;
    await graph.write(
      `MATCH (s:${MetaLabel.Scan} {id: $id})
       SET s.status = 'complete', s.finishedAt = datetime(), s.previousScan = $prev, s.fingerprints = $fps,
           s.findingsTotal = $total, s.findingsNew = $new, s.findingsResolved = $resolved,
           s.findingsUnchanged = $unchanged, s.newHighRisk = $newHigh, s.queryErrors = $errors,
           s.analyzeMs = $ms, s.diffMs = $diffMs`,
      {
        id: scanId,
        prev: previous?.id ?? null,
        fps: fingerprints,
        total: neo4j.int(fingerprints.length),
        new: neo4j.int(newCount),
        resolved: neo4j.int(resolvedCount),
        unchanged: neo4j.int(unchanged),
        newHigh: neo4j.int(newHighRisk),
        errors: JSON.stringify(runs.filter((r) => r.error).map((r) => ({ id: r.id, message: r.error }))),
        ms: neo4j.int(ms),
        diffMs: neo4j.int(diffMs),
      },
    );
    void resolvedRows;
    progress({ stage: 'done', message: `${fingerprints.length} findings, ${newCount} new`, pct: 100 });
    return {
      scan: scanId,
      previousScan: previous?.id ?? null,
      lookbackDays,
      queries: runs,
      findings: fingerprints.length,
      newFindings: newCount,
      resolvedFindings: resolvedCount,
      unchanged,
      newHighRisk,
      pci: {
        identities: pci.length,
        high: pci.filter((p) => p.level === 'high').length,
        medium: pci.filter((p) => p.level === 'medium').length,
        low: pci.filter((p) => p.level === 'low').length,
        ms: pciMs,
      },
      ms,
    };
  } catch (err) {
    await graph
      .write(
        `MATCH (s:${MetaLabel.Scan} {id: $id}) SET s.status = 'failed', s.error = $error, s.finishedAt = datetime()`,
        {
          id: scanId,
          error: errorMessage(err).slice(0, 2000),
        },
      )
      .catch(() => {});
    throw err;
  }
}

function scanFromRow(r: Record<string, unknown>): ScanInfo {
  let errors: { id: string; message: string }[] = [];
  if (typeof r.queryErrors === 'string') {
    try {
      errors = JSON.parse(r.queryErrors) as { id: string; message: string }[];
    } catch {
      errors = [];
    }
  }
  return {
    id: String(r.id),
    status: String(r.status ?? ''),
    startedAt: (r.startedAt as string | null) ?? null,
    finishedAt: (r.finishedAt as string | null) ?? null,
    previousScan: (r.previousScan as string | null) ?? null,
    inputs: ((r.inputs as string[] | null) ?? []).map(String),
    lookbackDays: r.lookbackDays === null || r.lookbackDays === undefined ? null : num(r.lookbackDays),
    findingsTotal: num(r.findingsTotal),
    findingsNew: num(r.findingsNew),
    findingsResolved: num(r.findingsResolved),
    findingsUnchanged: num(r.findingsUnchanged),
    newHighRisk: num(r.newHighRisk),
    analyzeMs: r.analyzeMs === null || r.analyzeMs === undefined ? null : num(r.analyzeMs),
    diffMs: r.diffMs === null || r.diffMs === undefined ? null : num(r.diffMs),
    queryErrors: errors,
  };
}

const SCAN_FIELDS = `s {.id, .status, .startedAt, .finishedAt, .previousScan, .inputs, .lookbackDays, .findingsTotal,
  .findingsNew, .findingsResolved, .findingsUnchanged, .newHighRisk, .analyzeMs, .diffMs, .queryErrors}`;

/** Analysis scans, newest first. */
export async function listScans(
  graph: Graph,
  opts: { limit?: number; offset?: number } = {},
): Promise<{ items: ScanInfo[]; total: number }> {
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.Scan} {kind: 'analysis'})
     RETURN ${SCAN_FIELDS} AS s ORDER BY s.startedAt DESC, s.id DESC SKIP $offset LIMIT $limit`,
    { offset: neo4j.int(opts.offset ?? 0), limit: neo4j.int(opts.limit ?? 50) },
  );
  const [count] = await graph.read(`MATCH (s:${MetaLabel.Scan} {kind: 'analysis'}) RETURN count(s) AS n`);
  return { items: rows.map((r) => scanFromRow(r.s as Record<string, unknown>)), total: num(count?.n) };
}

export async function getScan(graph: Graph, id: string): Promise<ScanInfo | undefined> {
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.Scan} {id: $id, kind: 'analysis'}) RETURN ${SCAN_FIELDS} AS s`,
    {
      id,
    },
  );
  return rows[0] ? scanFromRow(rows[0].s as Record<string, unknown>) : undefined;
}

async function findingsByFingerprint(graph: Graph, fps: string[]): Promise<Finding[]> {
  if (fps.length === 0) return [];
  const rows = await graph.read(
    `UNWIND $fps AS fp MATCH (f:${MetaLabel.Finding} {fingerprint: fp})
     RETURN f {.*} AS f ORDER BY f.severityRank DESC, f.queryId, f.subjectId`,
    { fps },
  );
  return rows.map((r) => findingFromRow(r.f as Record<string, unknown>));
}

/** What `toId` reports that `fromId` did not (new) and the reverse (resolved). */
export async function diffScans(graph: Graph, fromId: string, toId: string): Promise<ScanDiff> {
  const t0 = Date.now();
  const rows = await graph.read(
    `UNWIND $ids AS id MATCH (s:${MetaLabel.Scan} {id: id, kind: 'analysis'}) RETURN s.id AS id, s.fingerprints AS fps`,
    { ids: [fromId, toId] },
  );
  const fpsOf = (id: string): string[] => {
    const r = rows.find((x) => x.id === id);
    if (!r) throw new AppError('NOT_FOUND', `analysis scan ${id} does not exist`);
    return ((r.fps as string[] | null) ?? []).map(String);
  };
  const from = new Set(fpsOf(fromId));
  const to = new Set(fpsOf(toId));
  const added = [...to].filter((fp) => !from.has(fp));
  const removed = [...from].filter((fp) => !to.has(fp));
  const newFindings = await findingsByFingerprint(graph, added);
  const resolvedFindings = await findingsByFingerprint(graph, removed);
  return {
    from: fromId,
    to: toId,
    newFindings,
    resolvedFindings,
    unchanged: [...to].filter((fp) => from.has(fp)).length,
    newPaths: newFindings.filter((f) => f.path && f.path.length > 1).length,
    resolvedPaths: resolvedFindings.filter((f) => f.path && f.path.length > 1).length,
    newHighRisk: newFindings.filter((f) => severityRank(f.severity) >= 3).length,
    ms: Date.now() - t0,
  };
}

/** Diff of a scan against the scan it followed (empty `from` for the first scan). */
export async function diffWithPrevious(graph: Graph, scanId: string): Promise<ScanDiff> {
  const scan = await getScan(graph, scanId);
  if (!scan) throw new AppError('NOT_FOUND', `analysis scan ${scanId} does not exist`);
  if (scan.previousScan) return diffScans(graph, scan.previousScan, scanId);
  const t0 = Date.now();
  const all = await listFindingsOfScan(graph, scanId);
  return {
    from: '',
    to: scanId,
    newFindings: all,
    resolvedFindings: [],
    unchanged: 0,
    newPaths: all.filter((f) => f.path && f.path.length > 1).length,
    resolvedPaths: 0,
    newHighRisk: all.filter((f) => severityRank(f.severity) >= 3).length,
    ms: Date.now() - t0,
  };
}

async function listFindingsOfScan(graph: Graph, scanId: string): Promise<Finding[]> {
  const rows = await graph.read(`MATCH (s:${MetaLabel.Scan} {id: $id}) RETURN s.fingerprints AS fps`, {
    id: scanId,
  });
  return findingsByFingerprint(graph, ((rows[0]?.fps as string[] | null) ?? []).map(String));
}

export { runScan, type ScanSummary } from './scan.js';
export type { FindingStatus };
