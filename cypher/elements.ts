/**
 * Cytoscape-ready graph elements from driver values. Ids are our `id` property (ARN, object
 * id...), never Neo4j element ids, so the explorer can link to `/nodes/{id}`.
 */
import { isNode, isPath, isRelationship, type Node, type Relationship } from 'neo4j-driver';
import { toPlain } from './db/graph.js';
import { EdgeTypes, isEdgeType } from './schema/index.js';

export interface ElementNode {
  data: {
    id: string;
    label: string;
    kind: string;
    provider: string;
    account?: string;
    tierZero?: boolean;
    pci?: number;
    [k: string]: unknown;
  };
}

export interface ElementEdge {
  data: {
    id: string;
    source: string;
    target: string;
    type: string;
    category: string;
    technique?: string;
    reason?: string;
    conditional?: boolean;
    derived?: boolean;
    unused?: boolean;
  };
}

export interface GraphElements {
  nodes: ElementNode[];
  edges: ElementEdge[];
}

/** Node properties copied onto elements besides the fixed ones (small scalars only). */
const EXTRA_NODE_PROPS = ['pciLevel', 'stub', 'tierZeroReason', 'mfaEnabled', 'usageKnown'] as const;

export function nodeElement(n: Node): ElementNode {
  const p = n.properties as Record<string, unknown>;
  const id = String(p.id ?? p.fingerprint ?? n.elementId);
  const data: ElementNode['data'] = {
    id,
    label: String(p.name ?? p.title ?? id),
    kind: String(p.kind ?? n.labels[0] ?? 'Unknown'),
    provider: String(p.provider ?? ''),
  };
  if (p.account !== undefined && p.account !== null) data.account = String(p.account);
  if (p.tierZero === true) data.tierZero = true;
  if (p.pci !== undefined && p.pci !== null) data.pci = Number(toPlain(p.pci));
  for (const k of EXTRA_NODE_PROPS) if (p[k] !== undefined && p[k] !== null) data[k] = toPlain(p[k]);
  return { data };
}

/** Stable edge id: type, ends and discriminator key. */
export function edgeId(type: string, source: string, target: string, key?: unknown): string {
  return `${type}:${source}->${target}${key !== undefined && key !== null && key !== '' ? `#${String(key)}` : ''}`;
}

export function edgeElement(r: Relationship, source: string, target: string): ElementEdge {
  const p = r.properties as Record<string, unknown>;
  const def = isEdgeType(r.type) ? EdgeTypes[r.type] : undefined;
  const data: ElementEdge['data'] = {
    id: edgeId(r.type, source, target, p.key),
    source,
    target,
    type: r.type,
    category: def?.category ?? 'structural',
  };
  if (typeof p.technique === 'string') data.technique = p.technique;
  if (typeof p.reason === 'string') data.reason = p.reason;
  else if (def) data.reason = def.description;
  if (p.conditional === true) data.conditional = true;
  if (p.derived === true || def?.derived) data.derived = true;
  // Tracked and never used (lastUsed absent with usage known) marks the edge unused.
  if (p.usageKnown === true && (p.lastUsed === null || p.lastUsed === undefined)) data.unused = true;
  return { data };
}

/**
 * Collects every node, relationship and path found anywhere in the given values (rows, lists,
 * maps). Relationships whose end nodes are not among the values are resolved through
 * `extraNodes` (element id -> node); those still unknown are left out.
 */
export function toElements(values: unknown[], extraNodes: Map<string, Node> = new Map()): GraphElements {
  const nodes = new Map<string, ElementNode>();
  const byElementId = new Map<string, string>();
  const rels: Relationship[] = [];
  const addNode = (n: Node) => {
    const el = nodeElement(n);
    byElementId.set(n.elementId, el.data.id);
    if (!nodes.has(el.data.id)) nodes.set(el.data.id, el);
  };
  const visit = (v: unknown, depth: number): void => {
    if (v === null || v === undefined || depth > 6) return;
    if (isNode(v)) addNode(v);
    else if (isRelationship(v)) rels.push(v);
    else if (isPath(v)) {
      addNode(v.start);
      for (const seg of v.segments) {
        addNode(seg.end);
        rels.push(seg.relationship);
      }
    } else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (typeof v === 'object' && (v as object).constructor === Object) {
      for (const x of Object.values(v as Record<string, unknown>)) visit(x, depth + 1);
    }
  };
  for (const v of values) visit(v, 0);
  const idOf = (elementId: string): string | undefined => {
    const known = byElementId.get(elementId);
    if (known) return known;
    const extra = extraNodes.get(elementId);
    if (!extra) return undefined;
    addNode(extra);
    return byElementId.get(elementId);
  };
  const edges = new Map<string, ElementEdge>();
  for (const r of rels) {
    const s = idOf(r.startNodeElementId);
    const t = idOf(r.endNodeElementId);
    if (!s || !t) continue;
    const el = edgeElement(r, s, t);
    if (!edges.has(el.data.id)) edges.set(el.data.id, el);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Element ids of relationship end nodes that are not themselves among the values. */
export function missingEndpoints(values: unknown[]): string[] {
  const have = new Set<string>();
  const need = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (v === null || v === undefined || depth > 6) return;
    if (isNode(v)) have.add(v.elementId);
    else if (isRelationship(v)) {
      need.add(v.startNodeElementId);
      need.add(v.endNodeElementId);
    } else if (isPath(v)) {
      have.add(v.start.elementId);
      for (const seg of v.segments) have.add(seg.end.elementId);
    } else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (typeof v === 'object' && (v as object).constructor === Object) {
      for (const x of Object.values(v as Record<string, unknown>)) visit(x, depth + 1);
    }
  };
  for (const v of values) visit(v, 0);
  return [...need].filter((e) => !have.has(e));
}

/** Whether any value is a node, relationship or path (a graph result). */
export function hasGraphValues(values: unknown[]): boolean {
  const visit = (v: unknown, depth: number): boolean => {
    if (v === null || v === undefined || depth > 6) return false;
    if (isNode(v) || isRelationship(v) || isPath(v)) return true;
    if (Array.isArray(v)) return v.some((x) => visit(x, depth + 1));
    if (typeof v === 'object' && (v as object).constructor === Object)
      return Object.values(v as Record<string, unknown>).some((x) => visit(x, depth + 1));
    return false;
  };
  return values.some((v) => visit(v, 0));
}
