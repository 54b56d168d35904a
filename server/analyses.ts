/**
 * The analyses module as the API calls it (signatures from docs/CONTRACTS: cypher/registry.ts,
 * cypher/guard.ts, cypher/paths.ts, analyze/index.ts). Loaded on first use so the server starts
 * and reports a clear error if a module is missing.
 */
import type { Graph } from '../cypher/db/graph.js';
import { AppError } from '../cypher/errors.js';

export interface QueryParam {
  name: string;
  type: 'string' | 'int' | 'float' | 'bool' | 'string[]';
  default?: unknown;
  description: string;
  required?: boolean;
}
export interface SavedQuery {
  id: string;
  title: string;
  category: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  description: string;
  params: QueryParam[];
  result: 'graph' | 'table';
  references: string[];
  providers: string[];
  cypher: string;
  file: string;
}
export interface QueryRegistry {
  list(): SavedQuery[];
  get(id: string): SavedQuery | undefined;
  validateParams(q: SavedQuery, raw: Record<string, unknown>): Record<string, unknown>;
}
export interface QueryResultValue {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  ms: number;
  graph?: unknown;
}
export interface PathsResultValue {
  paths: { length: number; nodes: string[]; hops: unknown[] }[];
  elements: unknown;
  ms: number;
}
export interface ListResult<T> {
  items: T[];
  total: number;
}
type Finding = Record<string, unknown> & { fingerprint: string };

interface RegistryModule {
  loadRegistry(extraDirs?: string[]): Promise<QueryRegistry>;
  /** Cypher with edge-set tokens and inlined int parameters filled in. */
  expandCypher?(q: SavedQuery, values: Record<string, unknown>): string;
  /** Parameter values for the driver (ints as Neo4j integers). */
  toDriverParams?(q: SavedQuery, values: Record<string, unknown>): Record<string, unknown>;
}
interface GuardModule {
  runGuarded(
    graph: Graph,
    cypher: string,
    params: Record<string, unknown>,
    opts?: { timeoutMs?: number; rowLimit?: number },
  ): Promise<QueryResultValue>;
}
interface PathsModule {
  findPaths(
    graph: Graph,
    opts: {
      from: string;
      to?: string;
      toTierZero?: boolean;
      maxHops?: number;
      edgeTypes?: string[];
      limit?: number;
    },
  ): Promise<PathsResultValue>;
}
export interface AnalyzeModule {
  listFindings(
    graph: Graph,
    opts: {
      severity?: string[];
      status?: 'new' | 'open' | 'resolved';
      scan?: string;
      provider?: string;
      account?: string;
      query?: string;
      limit?: number;
      offset?: number;
    },
  ): Promise<ListResult<Finding>>;
  getFinding(graph: Graph, fingerprint: string): Promise<Finding | undefined>;
  listScans(graph: Graph, opts: { limit?: number; offset?: number }): Promise<unknown>;
  getScan(graph: Graph, id: string): Promise<Record<string, unknown> | undefined>;
  diffScans(graph: Graph, fromId: string, toId: string): Promise<Record<string, unknown>>;
  /** Diff against the scan it followed (all findings new for a first scan). */
  diffWithPrevious?(graph: Graph, scanId: string): Promise<Record<string, unknown>>;
  pciSummary(
    graph: Graph,
    opts: {
      level: 'account' | 'subscription' | 'project' | 'identity';
      provider?: string;
      limit?: number;
      offset?: number;
    },
  ): Promise<unknown>;
  runScan(
    graph: Graph,
    opts: { inputs: string[]; onProgress?: (e: { stage: string; message: string; pct?: number }) => void },
  ): Promise<Record<string, unknown>>;
}

const cache = new Map<string, Promise<unknown>>();

function load<T>(spec: string, what: string): Promise<T> {
  let p = cache.get(spec);
  if (!p) {
    p = import(spec).catch((err: unknown) => {
      cache.delete(spec);
      throw new AppError('INTERNAL', `The ${what} module is not available`, { cause: err });
    });
    cache.set(spec, p);
  }
  return p as Promise<T>;
}

// Specifiers are relative to this file, in source and in dist alike.
const REGISTRY = '../cypher/registry.js';
const GUARD = '../cypher/guard.js';
const PATHS = '../cypher/paths.js';
const ANALYZE = '../analyze/index.js';

export const registryModule = () => load<RegistryModule>(REGISTRY, 'query registry');
export const guardModule = () => load<GuardModule>(GUARD, 'query guard');
export const pathsModule = () => load<PathsModule>(PATHS, 'paths');
export const analyzeModule = () => load<AnalyzeModule>(ANALYZE, 'analyses');
