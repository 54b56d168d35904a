/**
 * Snapshot validation. Every defect is reported with the JSON path where it sits
 * (e.g. `$.edges[17].target`), so a user can find and fix it.
 */

import { AppError } from '../../cypher/errors.js';
import {
  type EdgeType,
  EdgeTypes,
  edgeProps,
  isEdgeType,
  isNodeKind,
  NodeKinds,
  nodeProps,
  PROVIDERS,
  type PropDef,
  type Provider,
} from '../../cypher/schema/index.js';
import type {
  SnapshotEdge,
  SnapshotGap,
  SnapshotHeader,
  SnapshotNode,
  SnapshotScope,
  UsageRecord,
} from './types.js';

export interface Defect {
  path: string;
  message: string;
}

const MAX_DEFECTS = 50;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const SCAN_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SCOPE_ID = /^(aws|azure|gcp):[^\s]{1,256}$/;
const SCOPE_KINDS = new Set([
  'account',
  'organization',
  'tenant',
  'subscription',
  'project',
  'folder',
  'global',
]);
const GAP_REASONS = new Set(['AccessDenied', 'Throttled', 'NotFound', 'Error', 'Unsupported', 'Quarantined']);
const MAX_ID = 4096;

const NODE_FIELDS = new Set(['id', 'kind', 'name', 'scope', 'account', 'tenant', 'stub', 'props']);
const EDGE_FIELDS = new Set(['type', 'source', 'target', 'key', 'scope', 'props']);
const USAGE_FIELDS = new Set(['subject', 'service', 'action', 'lastUsed', 'trackedSince', 'source']);
const GAP_FIELDS = new Set(['scope', 'api', 'reason', 'message', 'resource']);
const HEADER_FIELDS = new Set(['schemaVersion', 'scanId', 'provider', 'createdAt', 'source', 'scopes']);
const SECTION_FIELDS = new Set(['nodes', 'edges', 'usage', 'gaps']);

export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string "${value.slice(0, 40)}..."` : `"${value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Checks one property value against its declared type. Returns an error message or null. */
export function checkProp(def: PropDef, value: unknown): string | null {
  if (value === null) return null;
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? null : `expected a string, got ${describe(value)}`;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? null
        : `expected an integer, got ${describe(value)}`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `expected a number, got ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? null : `expected true or false, got ${describe(value)}`;
    case 'datetime':
      return isIsoDate(value) ? null : `expected an ISO 8601 date-time, got ${describe(value)}`;
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? null
        : `expected an array of strings, got ${describe(value)}`;
    case 'int[]':
      return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v))
        ? null
        : `expected an array of integers, got ${describe(value)}`;
    case 'json':
      return null;
  }
}

/** Two FNV-1a passes folded into a 53-bit integer (exact in a JS number). */
export function edgeHash(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

const key = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/**
 * Accumulates defects over a streamed snapshot. Feed the header, then items in any order;
 * `finish()` resolves references that could not be checked on the way.
 */
export class SnapshotValidator {
  readonly defects: Defect[] = [];
  private extra = 0;
  private header: Partial<SnapshotHeader> = {};
  private scopes = new Map<string, SnapshotScope>();
  readonly nodeIds = new Set<string>();
  readonly nodeScopes = new Map<string, string>();
  /** Ids of the nodes marked stub (the loader de-duplicates nodes across the snapshots of one import). */
  readonly stubIds = new Set<string>();
  /** Relationship types present (the loader creates their indexes). */
  readonly edgeTypes = new Set<EdgeType>();
  /** Relationship types that occur twice with the same (source, target, key) in this snapshot. */
  readonly repeatedEdgeTypes = new Set<EdgeType>();
  private edgeHashes = new Set<number>();
  private pendingRefs: { path: string; id: string; what: string }[] = [];
  private pendingNodeChecks: { path: string; node: SnapshotNode }[] = [];
  private nodesDone = false;
  private headerDone = false;
  counts = { nodes: 0, edges: 0, usage: 0, gaps: 0 };

  add(path: string, message: string): void {
    if (this.defects.length < MAX_DEFECTS) this.defects.push({ path, message });
    else this.extra += 1;
  }

  get ok(): boolean {
    return this.defects.length === 0;
  }

  /** Top-level field check (unknown fields are defects). */
  topLevelKey(name: string): void {
    if (!HEADER_FIELDS.has(name) && !SECTION_FIELDS.has(name))
      this.add(`$${key(name)}`, 'unknown top-level field');
  }

  headerField(name: string, value: unknown): void {
    const path = `$${key(name)}`;
    switch (name) {
      case 'schemaVersion':
        if (typeof value !== 'string' || !/^1\.\d+$/.test(value)) {
          this.add(path, `unsupported schemaVersion ${describe(value)}; this permgraph reads 1.x`);
        }
        break;
      case 'scanId':
        if (typeof value !== 'string' || !SCAN_ID.test(value)) {
          this.add(path, 'scanId must be 1-128 characters of letters, digits, . _ : -');
        }
        break;
      case 'provider':
        if (!PROVIDERS.includes(value as Provider))
          this.add(path, `provider must be one of ${PROVIDERS.join(', ')}`);
        break;
      case 'createdAt':
        if (!isIsoDate(value)) this.add(path, 'createdAt must be an ISO 8601 date-time');
        break;
      case 'source':
        if (
          typeof value !== 'object' ||
          value === null ||
          Array.isArray(value) ||
          typeof (value as { kind?: unknown }).kind !== 'string'
        ) {
          this.add(path, 'source must be an object with a string "kind"');
        }
        break;
      case 'scopes':
        this.checkScopes(value, path);
        break;
      default:
        this.add(path, 'unknown top-level field');
        return;
    }
    (this.header as Record<string, unknown>)[name] = value;
  }

  private checkScopes(value: unknown, path: string): void {
    if (!Array.isArray(value) || value.length === 0) {
      this.add(path, 'scopes must be a non-empty array');
      return;
    }
    value.forEach((s, i) => {
      const p = `${path}[${i}]`;
      if (typeof s !== 'object' || s === null || Array.isArray(s)) {
        this.add(p, 'scope must be an object');
        return;
      }
      const sc = s as Partial<SnapshotScope>;
      if (typeof sc.id !== 'string' || !SCOPE_ID.test(sc.id))
        this.add(`${p}.id`, 'scope id must look like aws:123456789012');
      else if (this.scopes.has(sc.id)) this.add(`${p}.id`, `duplicate scope ${sc.id}`);
      if (!PROVIDERS.includes(sc.provider as Provider))
        this.add(`${p}.provider`, `provider must be one of ${PROVIDERS.join(', ')}`);
      if (!SCOPE_KINDS.has(String(sc.kind)))
        this.add(`${p}.kind`, `kind must be one of ${[...SCOPE_KINDS].join(', ')}`);
      if (typeof sc.complete !== 'boolean') this.add(`${p}.complete`, 'complete must be true or false');
      for (const k of Object.keys(sc)) {
        if (!['id', 'provider', 'kind', 'name', 'complete'].includes(k))
          this.add(`${p}${key(k)}`, 'unknown field');
      }
      if (typeof sc.id === 'string') this.scopes.set(sc.id, sc as SnapshotScope);
    });
  }

  /** Call once every header field has been seen (before or after the sections). */
  endHeader(): void {
    if (this.headerDone) return;
    this.headerDone = true;
    for (const f of HEADER_FIELDS) {
      if (!(f in this.header)) this.add(`$.${f}`, 'required field is missing');
    }
    for (const [i, sc] of [...this.scopes.values()].entries()) {
      if (this.header.provider && sc.provider !== this.header.provider) {
        this.add(
          `$.scopes[${i}].provider`,
          `scope provider ${sc.provider} differs from snapshot provider ${this.header.provider}`,
        );
      }
    }
    const pending = this.pendingNodeChecks;
    this.pendingNodeChecks = [];
    for (const { path, node } of pending) this.checkNodeScope(path, node);
  }

  defaultScope(): string | undefined {
    return this.scopes.size === 1 ? [...this.scopes.keys()][0] : undefined;
  }

  node(value: unknown, index: number): void {
    this.counts.nodes += 1;
    const path = `$.nodes[${index}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, `node must be an object, got ${describe(value)}`);
      return;
    }
    const n = value as SnapshotNode;
    for (const k of Object.keys(n)) if (!NODE_FIELDS.has(k)) this.add(`${path}${key(k)}`, 'unknown field');
    if (typeof n.id !== 'string' || n.id.length === 0) {
      this.add(`${path}.id`, 'id is required and must be a non-empty string');
      return;
    }
    if (n.id.length > MAX_ID) this.add(`${path}.id`, `id is longer than ${MAX_ID} characters`);
    if (this.nodeIds.has(n.id))
      this.add(`${path}.id`, `duplicate node id ${JSON.stringify(n.id.slice(0, 200))}`);
    this.nodeIds.add(n.id);
    if (n.stub === true) this.stubIds.add(n.id);
    if (!isNodeKind(n.kind)) {
      this.add(`${path}.kind`, `unknown kind ${describe(n.kind)}`);
      return;
    }
    for (const f of ['name', 'account', 'tenant', 'scope'] as const) {
      const v = n[f];
      if (v !== undefined && v !== null && typeof v !== 'string')
        this.add(`${path}.${f}`, `expected a string, got ${describe(v)}`);
    }
    if (n.stub !== undefined && typeof n.stub !== 'boolean')
      this.add(`${path}.stub`, 'stub must be true or false');
    if (n.props !== undefined) {
      if (typeof n.props !== 'object' || n.props === null || Array.isArray(n.props)) {
        this.add(`${path}.props`, 'props must be an object');
      } else {
        const defs = NodeKinds[n.kind].props;
        for (const [k, v] of Object.entries(n.props)) {
          const def = defs[k];
          if (!def) {
            const common = nodeProps(n.kind)[k];
            this.add(
              `${path}.props${key(k)}`,
              common ? 'set this field at node level, not in props' : `unknown property for ${n.kind}`,
            );
            continue;
          }
          if (def.system) {
            this.add(`${path}.props${key(k)}`, 'set by permgraph (usage goes in $.usage); remove it');
            continue;
          }
          const msg = checkProp(def, v);
          if (msg) this.add(`${path}.props${key(k)}`, msg);
        }
      }
    }
    if (this.headerDone) this.checkNodeScope(path, n);
    else
      this.pendingNodeChecks.push({
        path,
        node: {
          id: n.id,
          kind: n.kind,
          ...(n.scope ? { scope: n.scope } : {}),
          ...(n.stub ? { stub: true } : {}),
        },
      });
  }

  private checkNodeScope(path: string, n: SnapshotNode): void {
    const provider = this.header.provider;
    const kindProvider = NodeKinds[n.kind].provider;
    if (!n.stub && provider && kindProvider !== provider) {
      this.add(
        `${path}.kind`,
        `${n.kind} is a ${kindProvider} kind in a ${provider} snapshot (only stub nodes may cross providers)`,
      );
    }
    const scope = n.scope ?? this.defaultScope();
    if (scope === undefined) {
      this.add(`${path}.scope`, 'scope is required when the snapshot has several scopes');
      return;
    }
    if (n.stub) {
      if (!SCOPE_ID.test(scope)) this.add(`${path}.scope`, 'scope must look like aws:123456789012');
    } else if (!this.scopes.has(scope)) {
      this.add(`${path}.scope`, `scope ${JSON.stringify(scope)} is not listed in $.scopes`);
    }
    this.nodeScopes.set(n.id, scope);
  }

  endNodes(): void {
    this.nodesDone = true;
  }

  private ref(path: string, id: unknown, what: string): void {
    if (typeof id !== 'string' || id.length === 0) {
      this.add(path, `${what} must be a node id (non-empty string)`);
      return;
    }
    if (this.nodesDone) {
      if (!this.nodeIds.has(id))
        this.add(path, `${what} ${JSON.stringify(id.slice(0, 200))} is not a node of this snapshot`);
    } else {
      this.pendingRefs.push({ path, id, what });
    }
  }

  edge(value: unknown, index: number): void {
    this.counts.edges += 1;
    const path = `$.edges[${index}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, `edge must be an object, got ${describe(value)}`);
      return;
    }
    const e = value as SnapshotEdge;
    for (const k of Object.keys(e)) if (!EDGE_FIELDS.has(k)) this.add(`${path}${key(k)}`, 'unknown field');
    if (isEdgeType(e.type) && !this.repeatedEdgeTypes.has(e.type)) {
      // A 53-bit hash per (type, source, target, key): repeats (or, rarely, collisions) only
      // turn off the loader's CREATE fast path for that type; they are not an error.
      const h = edgeHash(
        `${e.type}\u0000${String(e.source)}\u0000${String(e.target)}\u0000${String(e.key ?? '')}`,
      );
      if (this.edgeHashes.has(h)) this.repeatedEdgeTypes.add(e.type);
      else this.edgeHashes.add(h);
    }
    if (isEdgeType(e.type)) this.edgeTypes.add(e.type);
    if (!isEdgeType(e.type)) {
      this.add(`${path}.type`, `unknown relationship type ${describe(e.type)}`);
    } else if (EdgeTypes[e.type].derived) {
      this.add(
        `${path}.type`,
        `${e.type} is derived by permgraph; snapshots carry collected relationships only`,
      );
    }
    this.ref(`${path}.source`, e.source, 'source');
    this.ref(`${path}.target`, e.target, 'target');
    if (e.key !== undefined && typeof e.key !== 'string') this.add(`${path}.key`, 'key must be a string');
    if (
      e.scope !== undefined &&
      (typeof e.scope !== 'string' || (this.headerDone && !this.scopes.has(e.scope)))
    ) {
      this.add(`${path}.scope`, 'scope must be one of $.scopes');
    }
    if (e.props !== undefined && isEdgeType(e.type)) {
      if (typeof e.props !== 'object' || e.props === null || Array.isArray(e.props)) {
        this.add(`${path}.props`, 'props must be an object');
      } else {
        const defs = EdgeTypes[e.type].props;
        for (const [k, v] of Object.entries(e.props)) {
          const def = defs[k];
          if (!def) {
            this.add(
              `${path}.props${key(k)}`,
              edgeProps(e.type)[k] ? 'set by permgraph; remove it' : `unknown property for ${e.type}`,
            );
            continue;
          }
          const msg = checkProp(def, v);
          if (msg) this.add(`${path}.props${key(k)}`, msg);
        }
      }
    }
  }

  usage(value: unknown, index: number): void {
    this.counts.usage += 1;
    const path = `$.usage[${index}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, 'usage record must be an object');
      return;
    }
    const u = value as UsageRecord;
    for (const k of Object.keys(u)) if (!USAGE_FIELDS.has(k)) this.add(`${path}${key(k)}`, 'unknown field');
    this.ref(`${path}.subject`, u.subject, 'subject');
    if (u.lastUsed !== null && !isIsoDate(u.lastUsed))
      this.add(`${path}.lastUsed`, 'lastUsed must be an ISO date-time or null (never used)');
    if (u.trackedSince !== undefined && u.trackedSince !== null && !isIsoDate(u.trackedSince)) {
      this.add(`${path}.trackedSince`, 'trackedSince must be an ISO date-time');
    }
    for (const f of ['service', 'action'] as const) {
      if (u[f] !== undefined && typeof u[f] !== 'string') this.add(`${path}.${f}`, 'expected a string');
    }
    if (typeof u.source !== 'string')
      this.add(`${path}.source`, 'source is required (where the usage data came from)');
  }

  gap(value: unknown, index: number): void {
    this.counts.gaps += 1;
    const path = `$.gaps[${index}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, 'gap must be an object');
      return;
    }
    const g = value as SnapshotGap;
    for (const k of Object.keys(g)) if (!GAP_FIELDS.has(k)) this.add(`${path}${key(k)}`, 'unknown field');
    if (typeof g.scope !== 'string') this.add(`${path}.scope`, 'scope is required');
    if (typeof g.api !== 'string') this.add(`${path}.api`, 'api is required');
    if (!GAP_REASONS.has(String(g.reason)))
      this.add(`${path}.reason`, `reason must be one of ${[...GAP_REASONS].join(', ')}`);
    if (typeof g.message !== 'string') this.add(`${path}.message`, 'message is required');
  }

  finish(): void {
    this.edgeHashes = new Set();
    this.endHeader();
    this.nodesDone = true;
    for (const r of this.pendingRefs) {
      if (!this.nodeIds.has(r.id))
        this.add(r.path, `${r.what} ${JSON.stringify(r.id.slice(0, 200))} is not a node of this snapshot`);
    }
    this.pendingRefs = [];
  }

  /** Throws SNAPSHOT_INVALID listing every defect (with JSON paths) if there are any. */
  assertValid(file: string): void {
    if (this.ok) return;
    const lines = this.defects.map((d) => `  ${d.path}: ${d.message}`);
    if (this.extra > 0) lines.push(`  ... and ${this.extra} more`);
    throw new AppError('SNAPSHOT_INVALID', `${file} is not a valid snapshot:\n${lines.join('\n')}`, {
      details: { file, defects: this.defects, more: this.extra },
    });
  }
}

/** Validates an in-memory snapshot (tests, importers). */
export function validateSnapshot(doc: unknown): Defect[] {
  const v = new SnapshotValidator();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    v.add('$', 'a snapshot is a JSON object');
    return v.defects;
  }
  const obj = doc as Record<string, unknown>;
  for (const [k, value] of Object.entries(obj)) {
    if (SECTION_FIELDS.has(k)) continue;
    v.headerField(k, value);
  }
  v.endHeader();
  const section = (name: string, fn: (item: unknown, i: number) => void) => {
    const arr = obj[name];
    if (arr === undefined) return;
    if (!Array.isArray(arr)) {
      v.add(`$.${name}`, 'must be an array');
      return;
    }
    arr.forEach(fn);
  };
  section('nodes', (x, i) => v.node(x, i));
  v.endNodes();
  section('edges', (x, i) => v.edge(x, i));
  section('usage', (x, i) => v.usage(x, i));
  section('gaps', (x, i) => v.gap(x, i));
  v.finish();
  return v.defects;
}
