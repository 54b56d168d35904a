/**
 * Findings: one PGFinding node per risk, keyed by a fingerprint that depends only on what the
 * risk is about (query, subject, target), so the same risk keeps its identity across scans
 * while its evidence (path taken, counts) may change.
 */
import { createHash } from 'node:crypto';
import neo4j, { isPath, type Path } from 'neo4j-driver';
import type { Graph } from '../cypher/db/graph.js';
import { type GraphElements, toElements } from '../cypher/elements.js';
import { explainPath } from '../cypher/paths.js';
import { SEVERITY_RANK, type Severity } from '../cypher/registry.js';
import { EdgeSets, MetaLabel } from '../cypher/schema/index.js';

export type FindingStatus = 'new' | 'open' | 'resolved';

export interface Finding {
  fingerprint: string;
  queryId: string;
  title: string;
  severity: string;
  category?: string;
  subjectId: string;
  subjectName: string;
  provider: string;
  account?: string;
  /** Scope the finding belongs to (the subject's, or the target's for an outside subject). */
  scope?: string;
  targetId?: string;
  status: FindingStatus;
  firstSeen: string;
  lastSeen: string;
  firstSeenScan?: string;
  lastSeenScan?: string;
  resolvedScan?: string;
  evidence: Record<string, unknown>;
  path?: string[];
  elements?: GraphElements;
}

/** sha256 of query id, subject and target: stable across scans for the same risk. */
export function fingerprintOf(queryId: string, subjectId: string, targetId?: string | null): string {
  return createHash('sha256')
    .update(`${queryId}\n${subjectId}\n${targetId ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** A finding as produced by one query row, before it is stored. */
export interface RawFinding {
  fingerprint: string;
  queryId: string;
  title: string;
  severity: Severity;
  category: string;
  subjectId: string;
  subjectName: string;
  targetId: string | null;
  provider: string | null;
  account: string | null;
  scope: string | null;
  /** The evidence as stored (JSON text): kept as text, since a large analysis holds many. */
  evidence: string;
  path: string[] | null;
}

const RESERVED = new Set(['subjectId', 'subjectName', 'targetId', 'path']);
const MAX_EVIDENCE_CHARS = 20_000;

/** Turns the rows of one saved query into raw findings (rows without subjectId are skipped). */
export function rowsToFindings(
  q: { id: string; title: string; severity: Severity; category: string },
  rows: Record<string, unknown>[],
  raw: { get(key: string): unknown; has(key: string): boolean }[] = [],
): RawFinding[] {
  const out = new Map<string, RawFinding>();
  rows.forEach((row, i) => {
    const subjectId = row.subjectId;
    if (typeof subjectId !== 'string' || subjectId === '') return;
    const targetId = typeof row.targetId === 'string' ? row.targetId : null;
    const fp = fingerprintOf(q.id, subjectId, targetId);
    if (out.has(fp)) return;
    const evidence: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!RESERVED.has(k)) evidence[k] = v;
    let path: string[] | null = null;
    const rec = raw[i];
    const p = rec?.has('path') ? rec.get('path') : undefined;
    if (p && isPath(p)) {
      const ex = explainPath(p as Path);
      path = ex.nodes;
      evidence.hops = ex.hops;
    }
    let json = JSON.stringify(evidence);
    if (json.length > MAX_EVIDENCE_CHARS) {
      json = JSON.stringify({ truncated: true, keys: Object.keys(evidence) });
    }
    out.set(fp, {
      fingerprint: fp,
      queryId: q.id,
      title: q.title,
      severity: q.severity,
      category: q.category,
      subjectId,
      subjectName: typeof row.subjectName === 'string' ? row.subjectName : subjectId,
      targetId,
      provider: typeof row.provider === 'string' ? row.provider : null,
      account: typeof row.account === 'string' ? row.account : null,
      scope: null,
      evidence: json,
      path,
    });
  });
  return [...out.values()];
}

function parseEvidence(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return {};
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A stored finding (plain row from `f {.*}`) as the API shape. */
export function findingFromRow(r: Record<string, unknown>): Finding {
  const f: Finding = {
    fingerprint: String(r.fingerprint),
    queryId: String(r.queryId),
    title: String(r.title ?? r.queryId),
    severity: String(r.severity),
    subjectId: String(r.subjectId),
    subjectName: String(r.subjectName ?? r.subjectId),
    provider: String(r.provider ?? ''),
    status: (r.status as FindingStatus) ?? 'open',
    firstSeen: String(r.firstSeen ?? ''),
    lastSeen: String(r.lastSeen ?? ''),
    evidence: parseEvidence(r.evidence),
  };
  if (r.category) f.category = String(r.category);
  if (r.account) f.account = String(r.account);
  if (r.scope) f.scope = String(r.scope);
  if (r.targetId) f.targetId = String(r.targetId);
  if (r.firstSeenScan) f.firstSeenScan = String(r.firstSeenScan);
  if (r.lastSeenScan) f.lastSeenScan = String(r.lastSeenScan);
  if (r.resolvedScan) f.resolvedScan = String(r.resolvedScan);
  if (Array.isArray(r.path) && r.path.length > 0) f.path = r.path.map(String);
  return f;
}

export interface FindingFilter {
  severity?: string[];
  status?: FindingStatus;
  scan?: string;
  provider?: string;
  account?: string;
  query?: string;
  limit?: number;
  offset?: number;
}

/** Findings, most severe first. `scan` restricts to the findings that scan reported. */
export async function listFindings(
  graph: Graph,
  f: FindingFilter = {},
): Promise<{ items: Finding[]; total: number }> {
  let fingerprints: string[] | null = null;
  if (f.scan) {
    const rows = await graph.read(`MATCH (s:${MetaLabel.Scan} {id: $id}) RETURN s.fingerprints AS fps`, {
      id: f.scan,
    });
    fingerprints = ((rows[0]?.fps as string[] | null) ?? []).map(String);
  }
  const params = {
    severity: f.severity && f.severity.length > 0 ? f.severity.map((s) => s.toLowerCase()) : null,
    status: f.status ?? null,
    provider: f.provider ?? null,
    account: f.account ?? null,
    query: f.query ?? null,
    fps: fingerprints,
    offset: neo4j.int(f.offset ?? 0),
    limit: neo4j.int(f.limit ?? 100),
  };
  const where = `($severity IS NULL OR f.severity IN $severity) AND ($status IS NULL OR f.status = $status)
    AND ($provider IS NULL OR f.provider = $provider) AND ($account IS NULL OR f.account = $account)
    AND ($query IS NULL OR f.queryId = $query) AND ($fps IS NULL OR f.fingerprint IN $fps)`;
  const rows = await graph.read(
    `MATCH (f:${MetaLabel.Finding}) WHERE ${where}
     RETURN f {.*} AS f ORDER BY f.severityRank DESC, f.queryId, f.subjectId, f.fingerprint
     SKIP $offset LIMIT $limit`,
    params,
  );
  const [count] = await graph.read(
    `MATCH (f:${MetaLabel.Finding}) WHERE ${where} RETURN count(f) AS n`,
    params,
  );
  return {
    items: rows.map((r) => findingFromRow(r.f as Record<string, unknown>)),
    total: Number(count?.n ?? 0),
  };
}

/** Graph elements of a stored path: its nodes and, per hop, one traversable relationship. */
export async function pathElements(graph: Graph, path: string[]): Promise<GraphElements> {
  if (path.length === 0) return { nodes: [], edges: [] };
  const session = graph.session('READ');
  try {
    const res = await session.executeRead((tx) =>
      tx.run(
        `UNWIND range(0, size($ids) - 1) AS i
         MATCH (n:Entity {id: $ids[i]})
         OPTIONAL MATCH (n)-[r]->(m:Entity {id: $ids[i + 1]})
         WHERE i < size($ids) - 1 AND type(r) IN $types
         WITH n, i, collect(r)[0] AS r
         RETURN n, r ORDER BY i`,
        { ids: path, types: [...EdgeSets.TRAVERSABLE] },
      ),
    );
    return toElements(res.records.flatMap((r) => [r.get('n'), r.get('r')]));
  } finally {
    await session.close();
  }
}

export async function getFinding(graph: Graph, fingerprint: string): Promise<Finding | undefined> {
  const rows = await graph.read(`MATCH (f:${MetaLabel.Finding} {fingerprint: $fp}) RETURN f {.*} AS f`, {
    fp: fingerprint,
  });
  if (rows.length === 0) return undefined;
  const f = findingFromRow(rows[0]!.f as Record<string, unknown>);
  if (f.path && f.path.length > 1) f.elements = await pathElements(graph, f.path);
  return f;
}

export const severityRank = (s: string): number => SEVERITY_RANK[s as Severity] ?? 0;
