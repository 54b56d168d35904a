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
const NODE_FIELDS = `{.id, .name, .kind, .provider, .account, .tierZero, .pci, .pciLevel, .stub, .tierZeroReason, .mfaEnabled, .usageKnown}`;
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
    graph.read(
      `${source} WITH n ORDER BY n.name, n.id SKIP $skip LIMIT $limit RETURN n${NODE_FIELDS} AS n`,
      params,
      opts,
    ),
    graph.read(`${source} RETURN count(n) AS total`, params, opts),
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

function parseJsonProps(kind: string, props: Row): Row {
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

/** Granted vs used from the CAN_ACCESS edges of a principal, per service. */
export function summarizeAccess(edges: Row[], node: Row): AccessSummary {
  const usageKnown = node.usageKnown === true;
  const serviceUsage = jsonObject(node.serviceUsage);
  const per = new Map<
    string,
    { actions: Set<string>; count: number; high: Set<string>; highCount: number; used: Set<string> }
  >();
  for (const e of edges) {
    const service = String(e.service ?? '*');
    let s = per.get(service);
    if (!s) {
      s = { actions: new Set(), count: 0, high: new Set(), highCount: 0, used: new Set() };
      per.set(service, s);
    }
    for (const a of strings(e.actions)) s.actions.add(a.toLowerCase());
    for (const a of strings(e.highRiskActions)) s.high.add(a.toLowerCase());
    for (const a of strings(e.usedActions)) s.used.add(a.toLowerCase());
    s.count = Math.max(s.count, Number(e.actionCount ?? 0));
    s.highCount = Math.max(s.highCount, Number(e.highRiskCount ?? 0));
  }
  const services: ServiceAccess[] = [];
  let granted = 0;
  let used = 0;
  let highRiskGranted = 0;
  let highRiskUnused = 0;
  for (const [service, s] of per) {
    const actionCount = Math.max(s.count, s.actions.size);
    const highRiskCount = Math.max(s.highCount, s.high.size);
    const usedCount = Math.min(s.used.size, actionCount);
    const lu = serviceUsage[service];
    services.push({
      service,
      actionCount,
      highRiskCount,
      usedCount,
      lastUsed: typeof lu === 'string' ? lu : null,
    });
    granted += actionCount;
    used += usedCount;
    highRiskGranted += highRiskCount;
    const highUsed = [...s.high].filter((a) => s.used.has(a)).length;
    highRiskUnused += highRiskCount - highUsed;
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

export async function nodeDetail(graph: Graph, id: string, timeoutMs: number) {
  const opts = { timeoutMs };
  const rows = await graph.read(
    `MATCH (n:${E} {id: $id})
     RETURN properties(n) AS props, COUNT { (n)<--() } AS inDeg, COUNT { (n)-->() } AS outDeg`,
    { id },
    opts,
  );
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', `No node with id "${id.slice(0, 300)}"`);
  const props = r.props as Row;
  const [edges, findings] = await Promise.all([
    graph.read(
      `MATCH (n:${E} {id: $id})-[r:CAN_ACCESS]->()
       RETURN r.service AS service, r.actions AS actions, r.actionCount AS actionCount,
              r.highRiskActions AS highRiskActions, r.highRiskCount AS highRiskCount, r.usedActions AS usedActions`,
      { id },
      opts,
    ),
    graph.read(
      // Index seeks only: subject, target, and the text index over "|id|id|" path strings.
      `CALL () {
         MATCH (f:${MetaLabel.Finding}) WHERE f.subjectId = $id RETURN f
         UNION
         MATCH (f:${MetaLabel.Finding}) WHERE f.targetId = $id RETURN f
         UNION
         MATCH (f:${MetaLabel.Finding}) WHERE f.pathText CONTAINS $onPath RETURN f
       }
       RETURN properties(f) AS f ORDER BY coalesce(f.severityRank, 0) DESC, f.lastSeen DESC LIMIT 200`,
      { id, onPath: `|${id}|` },
      opts,
    ),
  ]);
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
    access: summarizeAccess(edges, props),
    findings: findings.map((f) => findingFromProps(f.f as Row)),
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
  const [root, counts] = await Promise.all([
    graph.read(`MATCH (n:${E} {id: $id}) RETURN n${NODE_FIELDS} AS n`, { id }, opts),
    graph.read(
      `MATCH (n:${E} {id: $id})${countPattern}(:${E}) RETURN type(r) AS t, count(*) AS c`,
      { id },
      opts,
    ),
  ]);
  if (!root[0]) throw new AppError('NOT_FOUND', `No node with id "${id.slice(0, 300)}"`);
  const nodes = new Map<string, { data: ElementNodeData }>();
  const edges = new Map<string, { data: ElementEdgeData }>();
  nodes.set(id, nodeElement(root[0].n as Row));
  let truncated = false;
  let frontier = [id];
  const cap = o.limit * 4 + 1;
  for (let d = 0; d < depth && frontier.length > 0 && !truncated; d++) {
    const rows = await graph.read(
      `UNWIND $ids AS fid
       MATCH (a:${E} {id: fid})${pattern}(b:${E})
       RETURN a.id AS a, b${NODE_FIELDS} AS b, type(r) AS type, startNode(r) = a AS outward,
              r{.key, .technique, .reason, .conditional, .derived, .usageKnown, .lastUsed} AS rp
       LIMIT $cap`,
      { ids: frontier, cap: neo4j.int(cap) },
      opts,
    );
    if (rows.length >= cap) truncated = true;
    const next: string[] = [];
    for (const row of rows) {
      const a = String(row.a);
      const b = row.b as Row;
      const bid = String(b.id);
      if (!nodes.has(bid)) {
        if (nodes.size >= o.limit) {
          truncated = true;
          continue;
        }
        nodes.set(bid, nodeElement(b));
        next.push(bid);
      }
      const [s, t] = row.outward === true ? [a, bid] : [bid, a];
      const el = edgeElement(String(row.type), s, t, row.rp as Row);
      edges.set(el.data.id, el);
    }
    frontier = next;
  }
  const countsByType: Record<string, number> = {};
  for (const c of counts) countsByType[String(c.t)] = Number(c.c);
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
