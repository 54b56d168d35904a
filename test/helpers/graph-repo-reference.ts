/**
 * The node-detail and neighbourhood reads as they were before they became one auto-commit
 * statement each (server/graph-repo.ts at 7b682e6: one explicit read transaction per query, 3
 * queries for a detail, 3 for a one-level neighbourhood). Kept verbatim as the reference the
 * equivalence test compares the current implementation with, on a real Neo4j.
 */
import neo4j from 'neo4j-driver';
import type { Graph, Row } from '../../cypher/db/graph.js';
import { AppError } from '../../cypher/errors.js';
import { type EdgeType, isEdgeType, MetaLabel, Ontology } from '../../cypher/schema/index.js';
import {
  type AccessSummary,
  type ElementEdgeData,
  type ElementNodeData,
  edgeElement,
  findingFromProps,
  type NeighbourOptions,
  nodeElement,
  parseJsonProps,
  type ServiceAccess,
} from '../../server/graph-repo.js';

const E = Ontology.Entity;
const NODE_FIELDS = `{.id, .name, .kind, .provider, .account, .tierZero, .pci, .pciLevel, .stub, .tierZeroReason, .mfaEnabled, .usageKnown}`;

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
export function referenceSummarizeAccess(edges: Row[], node: Row): AccessSummary {
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

export async function referenceNodeDetail(graph: Graph, id: string, timeoutMs: number) {
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
    access: referenceSummarizeAccess(edges, props),
    findings: findings.map((f) => findingFromProps(f.f as Row)),
    degree: { in: Number(r.inDeg ?? 0), out: Number(r.outDeg ?? 0) },
  };
}
export async function referenceNeighbours(graph: Graph, id: string, o: NeighbourOptions) {
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
