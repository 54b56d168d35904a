/**
 * The API's own graph reads: search, node detail (granted vs used), neighbourhood, schema and
 * counts. Parameters only; labels and relationship types come from cypher/schema (the route
 * schemas restrict them to its enums and this module checks again).
 */
import neo4j from 'neo4j-driver';
import type { Graph, Row } from '../cypher/db/graph.js';
import type { ElementEdge, ElementNode, GraphElements } from '../cypher/elements.js';
import { AppError } from '../cypher/errors.js';
import {
  EDGE_TYPES,
  EdgeSets,
  type EdgeType,
  EdgeTypes,
  isEdgeType,
  isNodeKind,
  labelsFor,
  MetaLabel,
  NODE_KINDS,
  NodeKinds,
  nodeProps,
  Ontology,
  PROVIDERS,
} from '../cypher/schema/index.js';
import { graphStats } from '../cypher/stats.js';

// Cytoscape element shapes are declared once, in cypher/elements.ts.
export type ElementNodeData = ElementNode['data'];
export type ElementEdgeData = ElementEdge['data'];
export type Elements = GraphElements;

const E = Ontology.Entity;
const NODE_KEYS = [
  'id',
  'name',
  'kind',
  'provider',
  'account',
  'tierZero',
  'pci',
  'pciLevel',
  'stub',
  'tierZeroReason',
  'mfaEnabled',
  'usageKnown',
] as const;
const NODE_FIELDS = `{${NODE_KEYS.map((k) => `.${k}`).join(', ')}}`;
/**
 * The properties `edgeElement` reads, as a list (no key strings to send and decode per row);
 * `lastUsed` only matters as null or not, so it travels as null or true instead of a datetime.
 */
const REL_KEYS = ['key', 'technique', 'reason', 'conditional', 'derived', 'usageKnown', 'lastUsed'] as const;
const REL_LIST = (r: string) =>
  `[${REL_KEYS.map((k) => (k === 'lastUsed' ? `CASE WHEN ${r}.lastUsed IS NULL THEN null ELSE true END` : `${r}.${k}`)).join(', ')}]`;
const NODE_LIST = (n: string) => `[${NODE_KEYS.map((k) => `${n}.${k}`).join(', ')}]`;

function zip(keys: readonly string[], values: unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < keys.length; i++) row[keys[i]!] = values[i];
  return row;
}
const EXTRA_NODE_FIELDS = ['pciLevel', 'stub', 'tierZeroReason', 'mfaEnabled', 'usageKnown'] as const;

export function nodeElement(p: Row): { data: ElementNodeData } {
  const id = String(p.id);
  const data: ElementNodeData = {
    id,
    label: String(p.name ?? id),
    kind: String(p.kind ?? 'Unknown'),
    provider: String(p.provider ?? ''),
  };
  if (p.account !== undefined && p.account !== null) data.account = String(p.account);
  if (p.tierZero === true) data.tierZero = true;
  if (typeof p.pci === 'number') data.pci = p.pci;
  for (const k of EXTRA_NODE_FIELDS) if (p[k] !== undefined && p[k] !== null) data[k] = p[k];
  return { data };
}

/** Same edge id scheme as cypher/elements.ts: type, ends and discriminator key. */
export function edgeId(type: string, source: string, target: string, key?: unknown): string {
  return `${type}:${source}->${target}${key !== undefined && key !== null && key !== '' ? `#${String(key)}` : ''}`;
}

export function edgeElement(type: string, source: string, target: string, p: Row): { data: ElementEdgeData } {
  const def = isEdgeType(type) ? EdgeTypes[type] : undefined;
  const data: ElementEdgeData = {
    id: edgeId(type, source, target, p.key),
    source,
    target,
    type,
    category: def?.category ?? 'structural',
  };
  if (typeof p.technique === 'string') data.technique = p.technique;
  if (typeof p.reason === 'string') data.reason = p.reason;
  else if (def) data.reason = def.description;
  if (p.conditional === true) data.conditional = true;
  if (p.derived === true || def?.derived) data.derived = true;
  if (p.usageKnown === true && (p.lastUsed === null || p.lastUsed === undefined)) data.unused = true;
  return { data };
}

// ------------------------------------------------------------------ search

export interface NodeSummary {
  id: string;
  name: string;
  kind: string;
  provider: string;
  account: string | null;
  tierZero: boolean;
  pci: number | null;
}

function summary(p: Row): NodeSummary {
  return {
    id: String(p.id),
    name: String(p.name ?? p.id),
    kind: String(p.kind ?? ''),
    provider: String(p.provider ?? ''),
    account: p.account === null || p.account === undefined ? null : String(p.account),
    tierZero: p.tierZero === true,
    pci: typeof p.pci === 'number' ? p.pci : null,
  };
}

export async function searchNodes(
  graph: Graph,
  o: { q?: string; kind?: string; provider?: string; limit: number; offset: number; timeoutMs: number },
): Promise<{ items: NodeSummary[]; total: number }> {
  if (o.kind !== undefined && !isNodeKind(o.kind))
    throw new AppError('BAD_REQUEST', `kind: unknown kind "${o.kind}"`);
  const label = o.kind ? `:${o.kind}` : '';
  const providerFilter = o.provider ? 'n.provider = $provider' : '';
  let source: string;
  if (o.q !== undefined && o.q !== '') {
    // Two index seeks (name prefix, id prefix) joined by UNION, then the filters.
    const filters = [providerFilter, o.kind ? `n${label}` : ''].filter(Boolean);
    source = `CALL () { MATCH (n:${E}) WHERE n.name STARTS WITH $q RETURN n
                UNION MATCH (n:${E}) WHERE n.id STARTS WITH $q RETURN n }
              WITH n ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}`;
  } else {
    source = `MATCH (n:${E}${label}) ${providerFilter ? `WHERE ${providerFilter}` : ''}`;
  }
  const params = {
    q: o.q ?? null,
    provider: o.provider ?? null,
    skip: neo4j.int(o.offset),
    limit: neo4j.int(o.limit),
  };
  const opts = { timeoutMs: o.timeoutMs };
  const [items, total] = await Promise.all([
    graph.query(
      `${source} WITH n ORDER BY n.name, n.id SKIP $skip LIMIT $limit RETURN n${NODE_FIELDS} AS n`,
      params,
      opts,
    ),
    graph.query(`${source} RETURN count(n) AS total`, params, opts),
  ]);
  return { items: items.map((r) => summary(r.n as Row)), total: Number(total[0]?.total ?? 0) };
}

// ------------------------------------------------------------------ node detail

export interface ServiceAccess {
  service: string;
  actionCount: number;
  highRiskCount: number;
  usedCount: number;
  lastUsed: string | null;
}

export interface AccessSummary {
  granted: number;
  used: number;
  unused: number;
  highRiskGranted: number;
  highRiskUnused: number;
  usageKnown: boolean;
  services: ServiceAccess[];
}

const TOP_FIELDS = new Set([
  'id',
  'name',
  'kind',
  'provider',
  'account',
  'tierZero',
  'tierZeroReason',
  'pci',
  'pciLevel',
]);

export function parseJsonProps(kind: string, props: Row): Row {
  const defs = isNodeKind(kind) ? nodeProps(kind) : {};
  const out: Row = {};
  for (const [k, v] of Object.entries(props)) {
    if (TOP_FIELDS.has(k)) continue;
    if (defs[k]?.type === 'json' && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // kept as stored
      }
    }
    out[k] = v;
  }
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function jsonObject(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const o = JSON.parse(v);
      return o && typeof o === 'object' && !Array.isArray(o) ? o : {};
    } catch {
      return {};
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** One service's CAN_ACCESS edges of a node, aggregated (`ACCESS_BY_SERVICE`). */
export interface ServiceAccessCounts {
  service: string;
  /** Largest `actionCount` / `highRiskCount` over the edges (0 when none is set). */
  maxActionCount: number;
  maxHighRiskCount: number;
  /** Distinct actions (lower-cased) over the edges' `actions`, `highRiskActions`, `usedActions`. */
  actions: number;
  highRisk: number;
  used: number;
  /** High-risk actions that are also used. */
  highRiskUsed: number;
}

const unwindActions = (prop: string) =>
  `UNWIND rs AS r UNWIND CASE WHEN r.${prop} IS :: LIST<ANY> THEN r.${prop} ELSE [] END AS s
   WITH s WHERE s IS :: STRING WITH toLower(s) AS a`;
/**
 * The CAN_ACCESS edges of the node `n` grouped by service, each group reduced to distinct
 * lower-cased action counts in Neo4j: an administrator holds ~18,000 action strings over ~450
 * services, and only the counts reach the response. Lists that are not string lists count as
 * empty (as `strings()` treats them). Yields `access`: one [service, maxActionCount,
 * maxHighRiskCount, actions, highRisk, used, highRiskUsed] list per service.
 */
const ACCESS_BY_SERVICE = `CALL (n) {
    MATCH (n)-[r:CAN_ACCESS]->()
    WITH coalesce(toString(r.service), '*') AS service, r
    WITH service, collect(r) AS rs, max(r.actionCount) AS maxCount, max(r.highRiskCount) AS maxHigh
    CALL (rs) { ${unwindActions('actions')} RETURN count(DISTINCT a) AS actions }
    CALL (rs) { ${unwindActions('highRiskActions')} RETURN collect(DISTINCT a) AS high }
    CALL (rs) { ${unwindActions('usedActions')} RETURN collect(DISTINCT a) AS used }
    RETURN collect([service, maxCount, maxHigh, actions, size(high), size(used),
                    size([x IN high WHERE x IN used])]) AS access
  }`;

export function serviceAccessCounts(row: unknown[]): ServiceAccessCounts {
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    service: String(row[0]),
    maxActionCount: Math.max(0, n(row[1])),
    maxHighRiskCount: Math.max(0, n(row[2])),
    actions: n(row[3]),
    highRisk: n(row[4]),
    used: n(row[5]),
    highRiskUsed: n(row[6]),
  };
}

/** Granted vs used of a principal, from its per-service CAN_ACCESS counts. */
export function summarizeAccess(perService: ServiceAccessCounts[], node: Row): AccessSummary {
  const usageKnown = node.usageKnown === true;
  const serviceUsage = jsonObject(node.serviceUsage);
  const services: ServiceAccess[] = [];
  let granted = 0;
  let used = 0;
  let highRiskGranted = 0;
  let highRiskUnused = 0;
  for (const s of perService) {
    const actionCount = Math.max(s.maxActionCount, s.actions);
    const highRiskCount = Math.max(s.maxHighRiskCount, s.highRisk);
    const usedCount = Math.min(s.used, actionCount);
    const lu = serviceUsage[s.service];
    services.push({
      service: s.service,
      actionCount,
      highRiskCount,
      usedCount,
      lastUsed: typeof lu === 'string' ? lu : null,
    });
    granted += actionCount;
    used += usedCount;
    highRiskGranted += highRiskCount;
    highRiskUnused += highRiskCount - s.highRiskUsed;
  }
  services.sort(
    (a, b) =>
      b.highRiskCount - a.highRiskCount ||
      b.actionCount - a.actionCount ||
      a.service.localeCompare(b.service),
  );
  return {
    granted,
    used: usageKnown ? used : 0,
    // "No usage data" is not "unused": unused counts only where the cloud reports usage.
    unused: usageKnown ? granted - used : 0,
    highRiskGranted,
    highRiskUnused: usageKnown ? highRiskUnused : 0,
    usageKnown,
    services,
  };
}

/** The finding properties `findingFromProps` reads: what a query needs to project, no more. */
export const FINDING_FIELDS = [
  'fingerprint',
  'queryId',
  'title',
  'severity',
  'subjectId',
  'subjectName',
  'provider',
  'account',
  'status',
  'firstSeen',
  'lastSeen',
  'evidence',
  'path',
] as const;
/**
 * Cypher for a datetime property sent as `{epochMillis}` (a map, which no stored property can be,
 * so it reads back unambiguously) instead of a driver DateTime, whose decoding and conversion cost
 * more than the rest of a finding row; anything else is sent as stored. Years are bounded so the
 * instant stays within the JavaScript Date range (others are sent as stored, as before).
 */
const datetimeAsMillis = (v: string) =>
  `CASE WHEN ${v} IS :: ZONED DATETIME AND -270000 < ${v}.year < 270000 THEN {epochMillis: ${v}.epochMillis} ELSE ${v} END`;

/** A datetime sent by `datetimeAsMillis` as the ISO string `toPlain` gives for a DateTime. */
function millisAsIso(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Row).epochMillis === 'number')
    return new Date((v as { epochMillis: number }).epochMillis).toISOString();
  return v;
}

const FINDING_TIMES = new Set<string>(['firstSeen', 'lastSeen']);
const FINDING_PROJECTION = `{${FINDING_FIELDS.map((k) => (FINDING_TIMES.has(k) ? `${k}: ${datetimeAsMillis(`f.${k}`)}` : `.${k}`)).join(', ')}}`;

export function findingFromProps(p: Row): Row & { fingerprint: string } {
  let evidence: unknown = p.evidence;
  if (typeof evidence === 'string') {
    try {
      evidence = JSON.parse(evidence);
    } catch {
      evidence = { text: evidence };
    }
  }
  if (!evidence || typeof evidence !== 'object' || Array.isArray(evidence))
    evidence = { value: evidence ?? null };
  return {
    fingerprint: String(p.fingerprint),
    queryId: String(p.queryId ?? ''),
    title: String(p.title ?? ''),
    severity: String(p.severity ?? 'info'),
    subjectId: String(p.subjectId ?? ''),
    subjectName: String(p.subjectName ?? p.subjectId ?? ''),
    provider: String(p.provider ?? ''),
    account: p.account === undefined || p.account === null ? null : String(p.account),
    status: String(p.status ?? 'open'),
    firstSeen: String(p.firstSeen ?? ''),
    lastSeen: String(p.lastSeen ?? ''),
    evidence: evidence as Row,
    path: Array.isArray(p.path) ? strings(p.path) : null,
  };
}

/**
 * Node detail in one auto-commit statement: the node, its degrees, its CAN_ACCESS edges and the
 * findings that touch it (index seeks only: subject, target, and the text index over "|id|id|"
 * path strings). Each subquery returns one row, so the statement returns one row per node.
 */
const NODE_DETAIL_CYPHER = `MATCH (n:${E} {id: $id})
  ${ACCESS_BY_SERVICE}
  CALL () {
    CALL () {
      MATCH (f:${MetaLabel.Finding}) WHERE f.subjectId = $id RETURN f
      UNION
      MATCH (f:${MetaLabel.Finding}) WHERE f.targetId = $id RETURN f
      UNION
      MATCH (f:${MetaLabel.Finding}) WHERE f.pathText CONTAINS $onPath RETURN f
    }
    WITH f ORDER BY coalesce(f.severityRank, 0) DESC, f.lastSeen DESC LIMIT 200
    RETURN collect(f${FINDING_PROJECTION}) AS findings
  }
  RETURN properties(n) AS props, COUNT { (n)<--() } AS inDeg, COUNT { (n)-->() } AS outDeg, access, findings`;

export async function nodeDetail(graph: Graph, id: string, timeoutMs: number) {
  const rows = await graph.query(NODE_DETAIL_CYPHER, { id, onPath: `|${id}|` }, { timeoutMs });
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', `No node with id "${id.slice(0, 300)}"`);
  const props = r.props as Row;
  const findings = r.findings as Row[];
  const kind = String(props.kind ?? '');
  return {
    node: {
      id: String(props.id),
      name: String(props.name ?? props.id),
      kind,
      provider: String(props.provider ?? ''),
      account: props.account === undefined || props.account === null ? null : String(props.account),
      tierZero: props.tierZero === true,
      tierZeroReason: typeof props.tierZeroReason === 'string' ? props.tierZeroReason : null,
      pci: typeof props.pci === 'number' ? props.pci : null,
      pciLevel: typeof props.pciLevel === 'string' ? props.pciLevel : null,
      properties: parseJsonProps(kind, props),
    },
    access: summarizeAccess((r.access as unknown[][]).map(serviceAccessCounts), props),
    findings: findings.map((f) =>
      findingFromProps({ ...f, firstSeen: millisAsIso(f.firstSeen), lastSeen: millisAsIso(f.lastSeen) }),
    ),
    degree: { in: Number(r.inDeg ?? 0), out: Number(r.outDeg ?? 0) },
  };
}

// ------------------------------------------------------------------ neighbourhood

export interface NeighbourOptions {
  depth: number;
  types: string[];
  direction: 'out' | 'in' | 'both';
  limit: number;
  timeoutMs: number;
}

export async function neighbours(graph: Graph, id: string, o: NeighbourOptions) {
  for (const t of o.types)
    if (!isEdgeType(t)) throw new AppError('BAD_REQUEST', `types: unknown relationship type "${t}"`);
  const depth = Math.max(1, Math.min(3, Math.trunc(o.depth)));
  const typeExpr = o.types.length ? `:${(o.types as EdgeType[]).join('|')}` : '';
  const pattern =
    o.direction === 'out'
      ? `-[r${typeExpr}]->`
      : o.direction === 'in'
        ? `<-[r${typeExpr}]-`
        : `-[r${typeExpr}]-`;
  const countPattern = o.direction === 'out' ? '-[r]->' : o.direction === 'in' ? '<-[r]-' : '-[r]-';
  const opts = { timeoutMs: o.timeoutMs };
  const cap = o.limit * 4 + 1;
  // One level of hops (at most `cap`), as [fromId, toId, type, outward, relationship list] rows
  // in expansion order, and each node reached once as a list (a node behind several
  // relationships is not sent again per row).
  const level = (from: string) => `WITH ${from}, r, b LIMIT $cap
       WITH collect([${from}.id, b.id, type(r), startNode(r) = ${from}, ${REL_LIST('r')}]) AS hops,
            collect(DISTINCT b) AS bs
       RETURN hops, [b IN bs | ${NODE_LIST('b')}] AS nodes`;
  // The centre node, its relationship counts per type and the first level in one statement.
  const first = await graph.query(
    `MATCH (a:${E} {id: $id})
     CALL (a) {
       MATCH (a)${countPattern}(:${E})
       WITH type(r) AS t, count(*) AS c
       RETURN collect([t, c]) AS counts
     }
     CALL (a) {
       MATCH (a)${pattern}(b:${E})
       ${level('a')}
     }
     RETURN a${NODE_FIELDS} AS n, counts, hops, nodes`,
    { id, cap: neo4j.int(cap) },
    opts,
  );
  const root = first[0];
  if (!root) throw new AppError('NOT_FOUND', `No node with id "${id.slice(0, 300)}"`);
  const nodes = new Map<string, { data: ElementNodeData }>();
  const edges = new Map<string, { data: ElementEdgeData }>();
  nodes.set(id, nodeElement(root.n as Row));
  let truncated = false;
  // Adds one level of hops; returns the ids first seen in it (the next frontier).
  const addLevel = (r: Row) => {
    const hops = r.hops as [unknown, unknown, unknown, unknown, unknown[]][];
    const reached = new Map<string, unknown[]>();
    for (const n of r.nodes as unknown[][]) reached.set(String(n[0]), n);
    if (hops.length >= cap) truncated = true;
    const next: string[] = [];
    for (const [from, to, type, outward, rel] of hops) {
      const a = String(from);
      const bid = String(to);
      if (!nodes.has(bid)) {
        if (nodes.size >= o.limit) {
          truncated = true;
          continue;
        }
        nodes.set(bid, nodeElement(zip(NODE_KEYS, reached.get(bid)!)));
        next.push(bid);
      }
      const [s, t] = outward === true ? [a, bid] : [bid, a];
      const el = edgeElement(String(type), s, t, zip(REL_KEYS, rel));
      edges.set(el.data.id, el);
    }
    return next;
  };
  let frontier = addLevel(root);
  for (let d = 1; d < depth && frontier.length > 0 && !truncated; d++) {
    const rows = await graph.query(
      `UNWIND $ids AS fid
       MATCH (a:${E} {id: fid})${pattern}(b:${E})
       ${level('a')}`,
      { ids: frontier, cap: neo4j.int(cap) },
      opts,
    );
    frontier = addLevel(rows[0]!);
  }
  const countsByType: Record<string, number> = {};
  for (const [t, c] of root.counts as [string, number][]) countsByType[String(t)] = Number(c);
  return { elements: { nodes: [...nodes.values()], edges: [...edges.values()] }, truncated, countsByType };
}
// ------------------------------------------------------------------ schema and counts

export function schemaDocument() {
  return {
    kinds: NODE_KINDS.map((k) => ({
      kind: k,
      provider: NodeKinds[k].provider,
      labels: [...labelsFor(k)],
      description: NodeKinds[k].description,
    })),
    edges: EDGE_TYPES.map((t) => {
      const d = EdgeTypes[t];
      return {
        type: t,
        provider: d.provider,
        category: d.category,
        derived: d.derived,
        traversable: d.traversable,
        description: d.description,
        techniques: [...(d.techniques ?? [])],
      };
    }),
    edgeSets: Object.fromEntries(Object.entries(EdgeSets).map(([k, v]) => [k, [...v]])),
  };
}

export async function statsDocument(graph: Graph) {
  const [s, prov] = await Promise.all([
    graphStats(graph),
    graph.read(`MATCH (n:${E}) WHERE n.provider IN $providers RETURN n.provider AS p, count(*) AS c`, {
      providers: [...PROVIDERS],
    }),
  ]);
  const kinds: Record<string, number> = {};
  const ontology: Record<string, number> = {};
  const ont = new Set<string>(Object.values(Ontology));
  for (const [label, c] of Object.entries(s.labels)) {
    if (isNodeKind(label)) kinds[label] = c;
    else if (ont.has(label)) ontology[label] = c;
  }
  return {
    kinds,
    ontology,
    edges: s.relationships,
    providers: Object.fromEntries(prov.map((r) => [String(r.p), Number(r.c)])),
    totals: s.totals,
    scopes: s.scopes,
  };
}
