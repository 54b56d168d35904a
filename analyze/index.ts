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
  /**
   * Scopes (e.g. `aws:111111111111`) the scan covers: only findings of these scopes can be new
   * or resolved, each diffed against the latest earlier scan that covered that scope. Default:
   * the whole graph (every loaded scope and every scope a finding belongs to).
   */
  scopes?: string[];
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
  /** The latest of the previous scans (null for the first scan of every covered scope). */
  previousScan: string | null;
  /** Every earlier scan a covered scope was diffed against. */
  previousScans: string[];
  /** Scopes the scan covered. */
  scopes: string[];
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
  previousScans: string[];
  /** Scopes the scan covered (empty for scans made before scopes were recorded: the whole graph). */
  scopes: string[];
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

/** The scope a finding belongs to ('' when unknown); the key of the per-scope diff. */
export const findingScopeKey = (scope: string | null | undefined): string => scope ?? '';

interface PreviousScan {
  id: string;
  finishedAt: string;
  /** Fingerprint -> scope key, of everything the scan reported. */
  scopeOf: Map<string, string>;
}

/** Fingerprints and their scopes as a scan recorded them (older scans: looked up on the findings). */
async function scanFingerprintScopes(
  graph: Graph,
  fps: string[],
  scopes: string[] | null,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (scopes && scopes.length === fps.length) {
    for (const [i, fp] of fps.entries()) out.set(fp, scopes[i]!);
    return out;
  }
  for (let i = 0; i < fps.length; i += 10_000) {
    const rows = await graph.read(
      `UNWIND $fps AS fp OPTIONAL MATCH (f:${MetaLabel.Finding} {fingerprint: fp}) RETURN fp, f.scope AS scope`,
      { fps: fps.slice(i, i + 10_000) },
    );
    for (const r of rows) out.set(String(r.fp), findingScopeKey(r.scope as string | null));
  }
  return out;
}

/**
 * For each scope, the latest complete analysis scan (other than `exclude`) that covered it.
 * A scan without recorded scopes (made before per-scope diffs) covered the whole graph.
 */
async function previousScansByScope(
  graph: Graph,
  scopes: string[],
  exclude: string,
): Promise<{ byScope: Map<string, string>; scans: Map<string, PreviousScan> }> {
  const rows = await graph.read(
    `UNWIND $scopes AS sc
     CALL (sc) {
       MATCH (s:${MetaLabel.Scan} {kind: 'analysis', status: 'complete'})
       WHERE s.id <> $exclude AND (s.scopes IS NULL OR sc IN s.scopes)
       RETURN s.id AS id ORDER BY s.finishedAt DESC, s.id DESC LIMIT 1
     }
     RETURN sc, id`,
    { scopes, exclude },
  );
  const byScope = new Map(rows.map((r) => [String(r.sc), String(r.id)]));
  const scans = new Map<string, PreviousScan>();
  const ids = [...new Set(byScope.values())];
  if (ids.length === 0) return { byScope, scans };
  const scanRows = await graph.read(
    `UNWIND $ids AS id MATCH (s:${MetaLabel.Scan} {id: id})
     RETURN s.id AS id, toString(s.finishedAt) AS finishedAt, s.fingerprints AS fps, s.fingerprintScopes AS scopes`,
    { ids },
  );
  for (const r of scanRows) {
    const fps = ((r.fps as string[] | null) ?? []).map(String);
    const fpScopes = (r.scopes as string[] | null)?.map(String) ?? null;
    scans.set(String(r.id), {
      id: String(r.id),
      finishedAt: String(r.finishedAt ?? ''),
      scopeOf: await scanFingerprintScopes(graph, fps, fpScopes),
    });
  }
  return { byScope, scans };
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
  const scoped = opts.scopes !== undefined;
  await graph.write(
    `CREATE (s:${MetaLabel.Scan} {id: $id, kind: 'analysis', status: 'running', startedAt: datetime($at),
       inputs: $inputs, lookbackDays: $lookback, queries: $queries, scopes: $scopes})`,
    {
      id: scanId,
      at: now.toISOString(),
      inputs: opts.inputs ?? [],
      scopes: scoped ? [...new Set(opts.scopes)].sort() : null,
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

    // 3. Subjects' provider / account, and the scope each finding belongs to: the subject's,
    // or for an outside subject (a stub: another account, a service, "*") the target's, since
    // that is where the grant that makes the risk lives.
    const nodeIds = [
      ...new Set(
        [...found.values()].flatMap((f) => (f.targetId ? [f.subjectId, f.targetId] : [f.subjectId])),
      ),
    ];
    const nodes = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < nodeIds.length; i += 10_000) {
      const rows = await graph.read(
        `UNWIND $ids AS id MATCH (n:Entity {id: id})
         RETURN n.id AS id, n.provider AS provider, n.account AS account, n.scope AS scope, n.stub AS stub`,
        { ids: nodeIds.slice(i, i + 10_000) },
      );
      for (const r of rows) nodes.set(String(r.id), r);
    }
    for (const f of found.values()) {
      const r = nodes.get(f.subjectId);
      if (!r) continue;
      f.provider = (r.provider as string | null) ?? f.provider;
      f.account = (r.account as string | null) ?? f.account;
      const t = f.targetId ? nodes.get(f.targetId) : undefined;
      f.scope =
        r.stub === true && t && t.stub !== true && t.scope
          ? String(t.scope)
          : ((r.scope as string | null) ?? null);
    }

    // 4. Scopes covered, and for each the latest earlier scan that covered it.
    const tDiff = Date.now();
    let covered: Set<string>;
    if (scoped) covered = new Set(opts.scopes);
    else {
      const rows = await graph.read(
        `MATCH (s:${MetaLabel.ScopeState}) RETURN s.id AS id
         UNION MATCH (f:${MetaLabel.Finding}) WHERE f.status IN ['new', 'open'] RETURN DISTINCT coalesce(f.scope, '') AS id`,
      );
      covered = new Set([
        '',
        ...rows.map((r) => String(r.id)),
        ...[...found.values()].map((f) => findingScopeKey(f.scope)),
      ]);
    }
    const coveredList = [...covered].sort();
    const prev = await previousScansByScope(graph, coveredList, scanId);
    const prevSet = new Set<string>();
    for (const [sc, id] of prev.byScope) {
      for (const [fp, fpScope] of prev.scans.get(id)?.scopeOf ?? []) if (fpScope === sc) prevSet.add(fp);
    }
    const previousScans = [...prev.scans.values()].sort((a, b) =>
      b.finishedAt === a.finishedAt ? b.id.localeCompare(a.id) : b.finishedAt.localeCompare(a.finishedAt),
    );
    const previous = previousScans[0] ?? null;

    // 5. Write the findings of the covered scopes: new when no earlier scan of their scope
    // reported them. Findings of other scopes are left as they are.
    const all = [...found.values()].filter((f) => covered.has(findingScopeKey(f.scope)));
    progress({ stage: 'findings', message: `writing ${all.length} findings`, pct: 92 });
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
        evidence: f.evidence,
        path: f.path,
        pathText: f.path && f.path.length > 0 ? `|${f.path.join('|')}|` : null,
        status: prevSet.has(f.fingerprint) ? 'open' : 'new',
      }));
      await graph.write(
        `UNWIND $rows AS row
         MERGE (f:${MetaLabel.Finding} {fingerprint: row.fingerprint})
         ON CREATE SET f.firstSeen = datetime($at), f.firstSeenScan = $scan
         SET f.queryId = row.queryId, f.title = row.title, f.severity = row.severity,
             f.severityRank = row.severityRank, f.category = row.category, f.subjectId = row.subjectId,
             f.subjectName = row.subjectName, f.targetId = row.targetId, f.provider = row.provider,
             f.account = row.account, f.scope = row.scope, f.evidence = row.evidence, f.path = row.path, f.pathText = row.pathText,
             f.status = row.status, f.lastSeen = datetime($at), f.lastSeenScan = $scan, f.resolvedScan = null`,
        { rows: batch, at: now.toISOString(), scan: scanId },
      );
    }
    // Findings (of the covered scopes) of failed queries and of queries not run this time stay
    // as they were and count as reported.
    const ranOk = selected.map((q) => q.id).filter((id) => !failed.includes(id));
    const carried = await graph.read(
      `MATCH (f:${MetaLabel.Finding}) WHERE f.status IN ['new', 'open'] AND NOT f.queryId IN $ran
         AND coalesce(f.scope, '') IN $covered
       RETURN f.fingerprint AS fp, coalesce(f.scope, '') AS scope`,
      { ran: ranOk, covered: coveredList },
    );
    const reported = new Map<string, string>(all.map((f) => [f.fingerprint, findingScopeKey(f.scope)]));
    for (const r of carried) if (!reported.has(String(r.fp))) reported.set(String(r.fp), String(r.scope));
    const fingerprints = [...reported.keys()];
    // Resolve what the queries that ran no longer report, in the covered scopes only.
    await graph.write(
      `MATCH (f:${MetaLabel.Finding}) WHERE f.status IN ['new', 'open'] AND f.queryId IN $ran
         AND coalesce(f.scope, '') IN $covered AND coalesce(f.lastSeenScan, '') <> $scan
       SET f.status = 'resolved', f.resolvedScan = $scan`,
      { ran: ranOk, scan: scanId, covered: coveredList },
    );
    const newFps = fingerprints.filter((fp) => !prevSet.has(fp));
    const resolvedFps = [...prevSet].filter((fp) => !reported.has(fp));
    const newCount = newFps.length;
    const resolvedCount = resolvedFps.length;
    const unchanged = fingerprints.length - newCount;
    const newHighRisk = all.filter(
      (f) => !prevSet.has(f.fingerprint) && severityRank(f.severity) >= 3,
    ).length;
    const diffMs = Date.now() - tDiff;
    const ms = Date.now() - t0;
    await graph.write(
      `MATCH (s:${MetaLabel.Scan} {id: $id})
       SET s.status = 'complete', s.finishedAt = datetime(), s.previousScan = $prev, s.fingerprints = $fps,
           s.fingerprintScopes = $fpScopes, s.scopes = $scopes, s.previousScans = $prevs,
           s.newFingerprints = $newFps, s.resolvedFingerprints = $resolvedFps,
           s.findingsTotal = $total, s.findingsNew = $new, s.findingsResolved = $resolved,
           s.findingsUnchanged = $unchanged, s.newHighRisk = $newHigh, s.queryErrors = $errors,
           s.analyzeMs = $ms, s.diffMs = $diffMs`,
      {
        id: scanId,
        prev: previous?.id ?? null,
        fps: fingerprints,
        fpScopes: fingerprints.map((fp) => reported.get(fp) ?? ''),
        scopes: coveredList,
        prevs: previousScans.map((p) => p.id),
        newFps,
        resolvedFps,
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
    progress({ stage: 'done', message: `${fingerprints.length} findings, ${newCount} new`, pct: 100 });
    return {
      scan: scanId,
      previousScan: previous?.id ?? null,
      previousScans: previousScans.map((p) => p.id),
      scopes: coveredList,
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
    previousScans: ((r.previousScans as string[] | null) ?? []).map(String),
    scopes: ((r.scopes as string[] | null) ?? []).map(String),
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

const SCAN_FIELDS = `s {.id, .status, .startedAt, .finishedAt, .previousScan, .previousScans, .scopes, .inputs, .lookbackDays, .findingsTotal,
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

function diffResult(
  from: string,
  to: string,
  newFindings: Finding[],
  resolvedFindings: Finding[],
  unchanged: number,
  t0: number,
): ScanDiff {
  return {
    from,
    to,
    newFindings,
    resolvedFindings,
    unchanged,
    newPaths: newFindings.filter((f) => f.path && f.path.length > 1).length,
    resolvedPaths: resolvedFindings.filter((f) => f.path && f.path.length > 1).length,
    newHighRisk: newFindings.filter((f) => severityRank(f.severity) >= 3).length,
    ms: Date.now() - t0,
  };
}

/**
 * What `toId` reports that `fromId` did not (new) and the reverse (resolved). When both scans
 * recorded their scopes, only the scopes both covered are compared.
 */
export async function diffScans(graph: Graph, fromId: string, toId: string): Promise<ScanDiff> {
  const t0 = Date.now();
  const rows = await graph.read(
    `UNWIND $ids AS id MATCH (s:${MetaLabel.Scan} {id: id, kind: 'analysis'})
     RETURN s.id AS id, s.fingerprints AS fps, s.fingerprintScopes AS fpScopes, s.scopes AS scopes`,
    { ids: [fromId, toId] },
  );
  const scanOf = (id: string) => {
    const r = rows.find((x) => x.id === id);
    if (!r) throw new AppError('NOT_FOUND', `analysis scan ${id} does not exist`);
    const fps = ((r.fps as string[] | null) ?? []).map(String);
    const fpScopes = (r.fpScopes as string[] | null)?.map(String) ?? null;
    const scopes = (r.scopes as string[] | null)?.map(String) ?? null;
    return { fps, fpScopes: fpScopes && fpScopes.length === fps.length ? fpScopes : null, scopes };
  };
  const a = scanOf(fromId);
  const b = scanOf(toId);
  let keep = (_s: string) => true;
  if (a.scopes && b.scopes && a.fpScopes && b.fpScopes) {
    const both = new Set(a.scopes.filter((x) => b.scopes!.includes(x)));
    keep = (s: string) => both.has(s);
  }
  const pick = (x: ReturnType<typeof scanOf>) =>
    new Set(x.fps.filter((_fp, i) => (x.fpScopes ? keep(x.fpScopes[i]!) : true)));
  const from = pick(a);
  const to = pick(b);
  const added = [...to].filter((fp) => !from.has(fp));
  const removed = [...from].filter((fp) => !to.has(fp));
  return diffResult(
    fromId,
    toId,
    await findingsByFingerprint(graph, added),
    await findingsByFingerprint(graph, removed),
    [...to].filter((fp) => from.has(fp)).length,
    t0,
  );
}

/**
 * Diff of a scan against what came before it, scope by scope, as the scan recorded it (each
 * covered scope against the latest earlier scan that covered it; empty `from` for a first scan).
 */
export async function diffWithPrevious(graph: Graph, scanId: string): Promise<ScanDiff> {
  const t0 = Date.now();
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.Scan} {id: $id, kind: 'analysis'})
     RETURN s.previousScan AS prev, s.newFingerprints AS newFps, s.resolvedFingerprints AS resolvedFps,
            s.findingsUnchanged AS unchanged`,
    { id: scanId },
  );
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', `analysis scan ${scanId} does not exist`);
  const prev = (r.prev as string | null) ?? null;
  if (Array.isArray(r.newFps) && Array.isArray(r.resolvedFps)) {
    return diffResult(
      prev ?? '',
      scanId,
      await findingsByFingerprint(graph, (r.newFps as unknown[]).map(String)),
      await findingsByFingerprint(graph, (r.resolvedFps as unknown[]).map(String)),
      num(r.unchanged),
      t0,
    );
  }
  // Scans made before the per-scope diff was recorded.
  if (prev) return diffScans(graph, prev, scanId);
  return diffResult('', scanId, await listFindingsOfScan(graph, scanId), [], 0, t0);
}

async function listFindingsOfScan(graph: Graph, scanId: string): Promise<Finding[]> {
  const rows = await graph.read(`MATCH (s:${MetaLabel.Scan} {id: $id}) RETURN s.fingerprints AS fps`, {
    id: scanId,
  });
  return findingsByFingerprint(graph, ((rows[0]?.fps as string[] | null) ?? []).map(String));
}

export { runScan, type ScanCollect, type ScanSummary } from './scan.js';
export type { FindingStatus };
