/**
 * Snapshot records → columnar parameter batches, and the Cypher that writes them. Labels,
 * types and property names come only from cypher/schema; values are always parameters.
 * Batches are columnar (one list per field) because the Bolt encoding of 10k maps, each
 * repeating every key, costs more than the write itself.
 */
import neo4j from 'neo4j-driver';
import {
  type EdgeType,
  EdgeTypes,
  labelsFor,
  type NodeKind,
  NodeKinds,
  type PropDef,
} from '../../cypher/schema/index.js';
import type { PropValue, SnapshotEdge, SnapshotNode } from '../snapshot/types.js';

/** Converts one property value for Neo4j: json → string, datetime → DateTime, int → Integer. */
export function propValue(def: PropDef, value: PropValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  switch (def.type) {
    case 'json':
      return JSON.stringify(value);
    case 'datetime':
      return neo4j.types.DateTime.fromStandardDate(new Date(value as string));
    case 'int':
      return neo4j.int(value as number);
    default:
      return value;
  }
}

const ident = (name: string) => `\`${name.replace(/`/g, '')}\``;
const col = (name: string) => `p_${name}`;

/** Properties a kind's rows carry (declared, not system-managed). */
function loadableProps(defs: Readonly<Record<string, PropDef>>): [string, PropDef][] {
  return Object.entries(defs).filter(([, d]) => !d.system);
}

export interface Batch {
  size: number;
  params: Record<string, unknown[]>;
}

/** Column buffer for one node kind or edge type. */
export class ColumnBuffer {
  private cols: Record<string, unknown[]> = {};
  size = 0;
  constructor(private readonly names: readonly string[]) {
    this.reset();
  }
  private reset(): void {
    this.cols = Object.fromEntries(this.names.map((n) => [n, []]));
    this.size = 0;
  }
  push(values: Record<string, unknown>): void {
    for (const n of this.names) this.cols[n]!.push(values[n] ?? null);
    this.size += 1;
  }
  take(): Batch {
    const b = { size: this.size, params: this.cols };
    this.reset();
    return b;
  }
}

// ------------------------------------------------------------------ nodes

export function nodeColumns(kind: NodeKind): string[] {
  return [
    'ids',
    'sx',
    'names',
    'scopes',
    'accounts',
    'tenants',
    ...loadableProps(NodeKinds[kind].props).map(([k]) => col(k)),
  ];
}

/**
 * One node row. `sx` indexes `$scanIds`: the rows of one transaction may come from several
 * snapshots of one import, and each row is stamped with the scan that carried it.
 */
export function nodeValues(n: SnapshotNode, scope: string, sx = 0): Record<string, unknown> {
  const v: Record<string, unknown> = {
    ids: n.id,
    sx,
    names: n.name ?? null,
    scopes: scope,
    accounts: n.account ?? null,
    tenants: n.tenant ?? null,
  };
  for (const [k, def] of loadableProps(NodeKinds[n.kind].props)) v[col(k)] = propValue(def, n.props?.[k]);
  return v;
}

export function mergeNodesCypher(kind: NodeKind, stub: boolean): string {
  const labels = labelsFor(kind).slice(1).join(':');
  const provider = NodeKinds[kind].provider;
  const base = `n.kind = '${kind}', n.provider = '${provider}', n.name = $names[i], n.scope = $scopes[i],
    n.account = $accounts[i], n.tenant = $tenants[i], n.lastSeen = $now, n.lastSeenScan = $scanIds[toInteger($sx[i])]`;
  if (stub) {
    // Stubs are created when missing and never overwrite a collected node.
    return `UNWIND range(0, size($ids) - 1) AS i
MERGE (n:Entity {id: $ids[i]})
ON CREATE SET n:${labels}, ${base}, n.stub = true, n.firstSeen = $now
ON MATCH SET n.lastSeen = CASE WHEN n.stub THEN $now ELSE n.lastSeen END,
    n.lastSeenScan = CASE WHEN n.stub THEN $scanIds[toInteger($sx[i])] ELSE n.lastSeenScan END
RETURN count(*) AS written`;
  }
  const props = loadableProps(NodeKinds[kind].props)
    .map(([k]) => `n.${ident(k)} = $${col(k)}[i]`)
    .join(', ');
  return `UNWIND range(0, size($ids) - 1) AS i
MERGE (n:Entity {id: $ids[i]})
ON CREATE SET n.firstSeen = $now
SET n:${labels}, ${base}, n.stub = null${props ? `,\n    ${props}` : ''}
RETURN count(*) AS written`;
}

// ------------------------------------------------------------------ edges

/** Columns of a collected relationship batch (`sx` indexes `$scanIds`, as for nodes). */
export function edgeColumns(type: EdgeType): string[] {
  return ['src', 'dst', 'keys', 'scopes', 'sx', ...loadableProps(EdgeTypes[type].props).map(([k]) => col(k))];
}

export function edgeValues(
  e: Pick<SnapshotEdge, 'type' | 'source' | 'target' | 'key' | 'props'>,
  scope: string | null,
  sx = 0,
): Record<string, unknown> {
  const v: Record<string, unknown> = { src: e.source, dst: e.target, keys: e.key ?? '', scopes: scope, sx };
  for (const [k, def] of loadableProps(EdgeTypes[e.type].props)) v[col(k)] = propValue(def, e.props?.[k]);
  return v;
}

/**
 * CREATE instead of MERGE, for relationship types that have no relationship in the loaded
 * scopes yet and no repeats in the snapshot (a first load): no per-row existence check.
 */
export function createEdgesCypher(type: EdgeType): string {
  return createCypher(type, 'r.scope = $scopes[i], r.lastSeenScan = $scanIds[toInteger($sx[i])]');
}

/** Columnar CREATE of `type` relationships; `set` adds the bookkeeping of the caller. */
function createCypher(type: EdgeType, set: string): string {
  const props = loadableProps(EdgeTypes[type].props)
    .map(([k]) => `r.${ident(k)} = $${col(k)}[i]`)
    .join(', ');
  return `UNWIND range(0, size($src) - 1) AS i
MATCH (a:Entity {id: $src[i]}) USING INDEX a:Entity(id)
MATCH (b:Entity {id: $dst[i]}) USING INDEX b:Entity(id)
CREATE (a)-[r:${type} {key: $keys[i]}]->(b)
SET r.firstSeen = $now, r.lastSeen = $now, ${set}${props ? `, ${props}` : ''}
RETURN count(*) AS written`;
}

/**
 * CREATE for derived edges of a type the provider has none of yet (first derive, or after a
 * reset): no per-row existence check. The caller guarantees unique (source, target, key).
 */
export function createDerivedEdgesCypher(type: EdgeType): string {
  return createCypher(type, 'r.scope = a.scope, r.derived = true, r.deriveRun = $run');
}

/** Declared (non-system) properties of a relationship type, in declaration order. */
export function edgePropDefs(type: EdgeType): [string, PropDef][] {
  return loadableProps(EdgeTypes[type].props);
}

/**
 * Derived edges of one type for a batch of source nodes, written with CREATE: each source is
 * matched once (`$srcs[j]`, its rows are `$from[j]` up to `$to[j]`), targets, keys and every
 * property are dictionary-encoded (`$d_<prop>[$x_<prop>[i]]`) because derive repeats the same
 * values (technique, reason, grantedBy...) on many edges. Indexes arrive as floats (the driver
 * sends JS numbers so), hence toInteger. `$fsd[$fsx[i]]` carries the firstSeen
 * of the edge the pass replaces (index 0 is null: a new edge, first seen now).
 */
export function createDerivedEdgesGroupedCypher(type: EdgeType): string {
  const props = edgePropDefs(type)
    .map(([k]) => `r.${ident(k)} = $d_${k}[toInteger($x_${k}[i])]`)
    .join(', ');
  return `UNWIND range(0, size($srcs) - 1) AS j
MATCH (a:Entity {id: $srcs[j]}) USING INDEX a:Entity(id)
UNWIND range(toInteger($from[j]), toInteger($to[j]) - 1) AS i
MATCH (b:Entity {id: $dd[toInteger($dx[i])]}) USING INDEX b:Entity(id)
CREATE (a)-[r:${type} {key: $kd[toInteger($kx[i])]}]->(b)
SET r.firstSeen = coalesce($fsd[toInteger($fsx[i])], $now), r.scope = a.scope, r.derived = true, r.deriveRun = $run,
    r.lastSeen = $now${props ? `, ${props}` : ''}
RETURN count(*) AS written`;
}

/**
 * Removes the derived edges (of `types`) that start at the given source nodes and returns what
 * they were (type, target, key, firstSeen), so the pass can write their replacements in the
 * same transaction. Shared types are only the provider's when the source is.
 */
export function takeDerivedEdgesCypher(types: readonly EdgeType[]): string {
  return `UNWIND $srcs AS s
MATCH (a:Entity {id: s}) USING INDEX a:Entity(id)
MATCH (a)-[r:${types.join('|')}]->(b)
WHERE r.derived = true AND (a.provider = $provider OR NOT type(r) IN $shared)
WITH s, r, type(r) AS t, b.id AS dst, r.key AS key, r.firstSeen AS fs
DELETE r
RETURN s AS src, t, dst, key, fs`;
}

export function mergeEdgesCypher(type: EdgeType, derived = false): string {
  const stamp = derived
    ? 'r.derived = true, r.deriveRun = $run, r.lastSeen = $now'
    : 'r.lastSeen = $now, r.lastSeenScan = $scanIds[toInteger($sx[i])]';
  const props = loadableProps(EdgeTypes[type].props)
    .map(([k]) => `r.${ident(k)} = $${col(k)}[i]`)
    .join(', ');
  // Index hints: a plan cached while the graph was near empty may otherwise scan the id index.
  return `UNWIND range(0, size($src) - 1) AS i
MATCH (a:Entity {id: $src[i]}) USING INDEX a:Entity(id)
MATCH (b:Entity {id: $dst[i]}) USING INDEX b:Entity(id)
MERGE (a)-[r:${type} {key: $keys[i]}]->(b)
ON CREATE SET r.firstSeen = $now
SET r.scope = ${derived ? 'a.scope' : '$scopes[i]'}, ${stamp}${props ? `, ${props}` : ''}
RETURN count(*) AS written`;
}

// ------------------------------------------------------------------ usage

export const USAGE_COLUMNS = [
  'subjects',
  'identityLevel',
  'lastUsed',
  'trackedSince',
  'serviceUsage',
  'actionUsage',
];

export const applyUsageCypher = `UNWIND range(0, size($subjects) - 1) AS i
MATCH (n:Entity {id: $subjects[i]}) USING INDEX n:Entity(id)
SET n.usageKnown = true,
    n.lastUsed = CASE WHEN $identityLevel[i] THEN $lastUsed[i] ELSE n.lastUsed END,
    n.usageTrackedSince = coalesce($trackedSince[i], n.usageTrackedSince),
    n.serviceUsage = $serviceUsage[i],
    n.actionUsage = $actionUsage[i]
RETURN count(*) AS written`;

/** Appends the batch to the load journal (on the group's first scan) in the same transaction as the write. */
export const JOURNAL_CYPHER = `MATCH (scan:PGScan {id: $journal}) SET scan.batches = coalesce(scan.batches, []) + $seq`;
