/**
 * The saved-query library: one `.cypher` file per query, a metadata header of `// key: value`
 * lines, then the Cypher. Built-in queries live in `cypher/queries/**`; users add directories
 * with PERMGRAPH_QUERY_DIR. Every file is validated when the registry loads (header fields,
 * declared versus used parameters, edge-set tokens); a bad file fails the load naming the file.
 *
 * Header:
 *   // id: tier-zero-reachable
 *   // title: Principals that can reach tier zero
 *   // category: attack-paths
 *   // severity: critical            (critical | high | medium | low | info)
 *   // description: one line; further lines start with "//   " (continuation)
 *   // param: maxHops int = 8 -- Maximum hops        (types: string int float bool string[])
 *   // param: from string required -- Start node id
 *   // result: graph                  (graph | table)
 *   // references: https://..., https://...
 *   // providers: aws, azure, gcp
 *
 * Cypher may use `$param`, `{{EDGESET}}` (a relationship-type alternation from
 * cypher/schema EdgeSets) and `{{param}}` for an int parameter inlined where Cypher does not
 * accept parameters (variable-length bounds); inlined ints are range-checked (1-12).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import neo4j from 'neo4j-driver';
import { AppError } from './errors.js';
import { loadQueryConfig } from './query-config.js';
import { EdgeSets, isEdgeSetName } from './schema/index.js';

export type ParamType = 'string' | 'int' | 'float' | 'bool' | 'string[]';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface QueryParam {
  name: string;
  type: ParamType;
  default?: unknown;
  description: string;
  required?: boolean;
}

export interface SavedQuery {
  id: string;
  title: string;
  category: string;
  severity: Severity;
  description: string;
  params: QueryParam[];
  result: 'graph' | 'table';
  references: string[];
  providers: string[];
  cypher: string;
  file: string;
  /**
   * Built-in engine that answers this query instead of its Cypher (the Cypher stays as the
   * reference meaning). Graph searches Cypher cannot bound well run in the application.
   */
  engine?: QueryEngine;
}

/** Engines a saved query may name in its `engine:` header (implemented in cypher/saved.ts). */
export const QUERY_ENGINES = ['tier-zero-reach', 'tier-zero-from', 'transitive-privilege'] as const;
export type QueryEngine = (typeof QUERY_ENGINES)[number];

export interface QueryRegistry {
  list(): SavedQuery[];
  get(id: string): SavedQuery | undefined;
  /** Checks and coerces raw values (strings from the CLI or query string); fills defaults. */
  validateParams(q: SavedQuery, raw: Record<string, unknown>): Record<string, unknown>;
}

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
const PARAM_TYPES: readonly ParamType[] = ['string', 'int', 'float', 'bool', 'string[]'];
const REQUIRED_KEYS = ['id', 'title', 'category', 'severity', 'description', 'result', 'providers'] as const;
const KNOWN_KEYS = new Set([...REQUIRED_KEYS, 'param', 'references', 'engine']);
const PROVIDER_NAMES = new Set(['aws', 'azure', 'gcp']);
/** Range of ints inlined into Cypher text (hop bounds). */
export const INLINE_INT_MIN = 1;
export const INLINE_INT_MAX = 12;

/** The package's own query directory (works from sources and from dist/). */
export function builtinQueryDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'cypher', 'queries');
    if (existsSync(candidate) && existsSync(path.join(dir, 'package.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new AppError('QUERY_REGISTRY_INVALID', 'cannot find the built-in query directory cypher/queries');
}

function listCypherFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.cypher')) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function bad(file: string, message: string): AppError {
  return new AppError('QUERY_REGISTRY_INVALID', `${file}: ${message}`);
}

function parseDefault(file: string, p: QueryParam, raw: string): unknown {
  try {
    return coerce(p, raw);
  } catch {
    throw bad(file, `param ${p.name}: default "${raw}" is not a ${p.type}`);
  }
}

const PARAM_LINE =
  /^([A-Za-z_][A-Za-z0-9_]*)\s+(string\[\]|string|int|float|bool)(?:\s*=\s*(\S+))?(\s+required)?\s*--\s*(.+)$/;

/** Parses one query file; throws QUERY_REGISTRY_INVALID naming the file and the problem. */
export function parseQueryFile(file: string, text: string): SavedQuery {
  const lines = text.split(/\r?\n/);
  const header: Record<string, string[]> = {};
  let i = 0;
  let lastKey: string | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('//')) break;
    const body = line.slice(2);
    const kv = /^ ([a-z]+):\s?(.*)$/.exec(body);
    if (kv) {
      const key = kv[1]!;
      if (!KNOWN_KEYS.has(key)) throw bad(file, `line ${i + 1}: unknown header key "${key}"`);
      if (key !== 'param' && header[key]) throw bad(file, `line ${i + 1}: "${key}" given twice`);
      header[key] = [...(header[key] ?? []), kv[2]!.trim()];
      lastKey = key;
    } else if (/^ {2,}\S/.test(body) && lastKey === 'description') {
      const d = header.description!;
      d[d.length - 1] = `${d[d.length - 1]} ${body.trim()}`;
    } else if (body.trim() === '') {
      lastKey = null;
    } else {
      throw bad(file, `line ${i + 1}: header lines look like "// key: value"`);
    }
  }
  for (const k of REQUIRED_KEYS) {
    if (!header[k]?.[0]) throw bad(file, `header "${k}" is missing`);
  }
  const id = header.id![0]!;
  if (!/^[a-z0-9][a-z0-9-]{1,80}$/.test(id))
    throw bad(file, `id "${id}" must be lowercase letters, digits and dashes`);
  const severity = header.severity![0]! as Severity;
  if (!SEVERITIES.includes(severity))
    throw bad(file, `severity "${severity}" must be one of ${SEVERITIES.join(', ')}`);
  const result = header.result![0]!;
  if (result !== 'graph' && result !== 'table') throw bad(file, `result "${result}" must be graph or table`);
  const providers = header
    .providers![0]!.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of providers)
    if (!PROVIDER_NAMES.has(p)) throw bad(file, `provider "${p}" must be aws, azure or gcp`);
  const references = (header.references?.[0] ?? '')
    .split(/,\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const params: QueryParam[] = [];
  for (const raw of header.param ?? []) {
    const m = PARAM_LINE.exec(raw);
    if (!m) throw bad(file, `param "${raw}": expected "name type [= default] [required] -- description"`);
    const type = m[2] as ParamType;
    if (!PARAM_TYPES.includes(type)) throw bad(file, `param ${m[1]}: unknown type ${type}`);
    if (params.some((p) => p.name === m[1])) throw bad(file, `param ${m[1]} declared twice`);
    const p: QueryParam = { name: m[1]!, type, description: m[5]!.trim() };
    if (m[4]) p.required = true;
    if (m[3] !== undefined) p.default = parseDefault(file, p, m[3]);
    if (p.required && p.default !== undefined)
      throw bad(file, `param ${p.name}: required params take no default`);
    params.push(p);
  }
  const cypher = lines.slice(i).join('\n').trim();
  if (!cypher) throw bad(file, 'no Cypher after the header');
  // Parameters used versus declared.
  const code = stripLiterals(cypher);
  const used = new Set([...code.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
  for (const u of used)
    if (!params.some((p) => p.name === u)) throw bad(file, `$${u} is used but not declared as a param`);
  for (const tok of code.matchAll(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g)) {
    const name = tok[1]!;
    if (isEdgeSetName(name)) continue;
    const p = params.find((x) => x.name === name);
    if (!p) throw bad(file, `{{${name}}} is neither an edge set nor a declared param`);
    if (p.type !== 'int') throw bad(file, `{{${name}}}: only int params can be inlined`);
    used.add(name);
  }
  for (const p of params) if (!used.has(p.name)) throw bad(file, `param ${p.name} is declared but not used`);
  const engine = header.engine?.[0];
  if (engine !== undefined && !(QUERY_ENGINES as readonly string[]).includes(engine))
    throw bad(file, `engine "${engine}" must be one of ${QUERY_ENGINES.join(', ')}`);
  return {
    ...(engine ? { engine: engine as QueryEngine } : {}),
    id,
    title: header.title![0]!,
    category: header.category![0]!,
    severity,
    description: header.description![0]!,
    params,
    result,
    references,
    providers,
    cypher,
    file,
  };
}

/** Cypher with string literals and comments blanked (same length), for scanning tokens. */
export function stripLiterals(cypher: string): string {
  let out = '';
  let i = 0;
  while (i < cypher.length) {
    const c = cypher[i]!;
    const next = cypher[i + 1];
    if (c === '/' && next === '/') {
      const end = cypher.indexOf('\n', i);
      const stop = end === -1 ? cypher.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = cypher.indexOf('*/', i + 2);
      const stop = end === -1 ? cypher.length : end + 2;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < cypher.length && cypher[j] !== c) j += cypher[j] === '\\' ? 2 : 1;
      const stop = Math.min(j + 1, cypher.length);
      out += `${c}${' '.repeat(Math.max(0, stop - i - 2))}${stop - i >= 2 ? c : ''}`;
      i = stop;
    } else if (c === '`') {
      // Backticked names are kept (they are identifiers, not strings).
      const end = cypher.indexOf('`', i + 1);
      const stop = end === -1 ? cypher.length : end + 1;
      out += cypher.slice(i, stop);
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function coerce(p: QueryParam, v: unknown): unknown {
  switch (p.type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      break;
    case 'int': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      if (neo4j.isInt(n)) return (n as neo4j.Integer).toNumber();
      break;
    }
    case 'float': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      break;
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      break;
    case 'string[]':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      if (typeof v === 'string')
        return v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      break;
  }
  throw new Error('bad value');
}

/** Parameter values for the driver: ints as Neo4j integers (plain numbers would arrive as floats). */
export function toDriverParams(q: SavedQuery, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const p = q.params.find((x) => x.name === k);
    out[k] = p?.type === 'int' && typeof v === 'number' ? neo4j.int(v) : v;
  }
  return out;
}

/** Cypher of a saved query with edge-set tokens and inlined int params expanded. */
export function expandCypher(q: SavedQuery, values: Record<string, unknown>): string {
  return q.cypher.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_m, name: string) => {
    if (isEdgeSetName(name)) return EdgeSets[name].join('|');
    const v = values[name];
    const n = neo4j.isInt(v) ? (v as neo4j.Integer).toNumber() : Number(v);
    if (!Number.isInteger(n) || n < INLINE_INT_MIN || n > INLINE_INT_MAX) {
      throw new AppError(
        'QUERY_PARAM_INVALID',
        `parameter ${name}: ${String(v)} must be a whole number between ${INLINE_INT_MIN} and ${INLINE_INT_MAX}`,
      );
    }
    return String(n);
  });
}

class Registry implements QueryRegistry {
  private readonly byId: Map<string, SavedQuery>;
  constructor(queries: SavedQuery[]) {
    this.byId = new Map(queries.map((q) => [q.id, q]));
  }
  list(): SavedQuery[] {
    return [...this.byId.values()].sort(
      (a, b) => a.category.localeCompare(b.category) || a.id.localeCompare(b.id),
    );
  }
  get(id: string): SavedQuery | undefined {
    return this.byId.get(id);
  }
  validateParams(q: SavedQuery, raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(raw)) {
      if (!q.params.some((p) => p.name === name)) {
        const known = q.params.map((p) => p.name).join(', ') || 'none';
        throw new AppError(
          'QUERY_PARAM_INVALID',
          `query ${q.id} has no parameter "${name}" (parameters: ${known})`,
        );
      }
    }
    for (const p of q.params) {
      const v = raw[p.name];
      if (v === undefined || v === null || v === '') {
        if (p.required)
          throw new AppError(
            'QUERY_PARAM_INVALID',
            `query ${q.id}: parameter ${p.name} (${p.type}) is required`,
          );
        out[p.name] = p.default ?? null;
        continue;
      }
      try {
        out[p.name] = coerce(p, v);
      } catch {
        throw new AppError(
          'QUERY_PARAM_INVALID',
          `query ${q.id}: parameter ${p.name} must be a ${p.type}, got ${JSON.stringify(v)}`,
        );
      }
    }
    return out;
  }
}

/**
 * Loads the built-in queries and the extra directories (argument, else PERMGRAPH_QUERY_DIR).
 * A user query may not reuse a built-in id.
 */
export async function loadRegistry(extraDirs?: string[]): Promise<QueryRegistry> {
  const dirs = [builtinQueryDir(), ...(extraDirs ?? loadQueryConfig().extraDirs)];
  const queries: SavedQuery[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new AppError('QUERY_REGISTRY_INVALID', `${dir}: query directory does not exist`);
    }
    for (const file of listCypherFiles(dir)) {
      const q = parseQueryFile(file, readFileSync(file, 'utf8'));
      const other = seen.get(q.id);
      if (other) throw bad(file, `id "${q.id}" is already used by ${other}`);
      seen.set(q.id, file);
      queries.push(q);
    }
  }
  return new Registry(queries);
}

/** Labels, relationship types and property keys a Cypher text names (for the drift test). */
export function referencedNames(cypher: string): {
  labels: Set<string>;
  types: Set<string>;
  props: Set<string>;
} {
  const code = stripLiterals(cypher).replace(/\{\{([A-Za-z_]+)\}\}/g, (_m, n: string) =>
    isEdgeSetName(n) ? EdgeSets[n].join('|') : '1',
  );
  const labels = new Set<string>();
  const types = new Set<string>();
  const props = new Set<string>();
  // Relationship patterns: [r:A|B*1..3 {k: v}] (also quantified -[:A|B]->{1,8}).
  for (const m of code.matchAll(/\[\s*[A-Za-z_]*\s*:\s*([A-Za-z_][A-Za-z0-9_|:\s!]*)/g)) {
    for (const t of m[1]!
      .split(/[|:]/)
      .map((s) => s.replace(/!/g, '').trim())
      .filter(Boolean))
      types.add(t);
  }
  // Node patterns and label predicates: (n:A:B ...) and `n:A` in WHERE.
  for (const m of code.matchAll(/\(\s*[A-Za-z_][A-Za-z0-9_]*\s*((?::\s*[A-Za-z_][A-Za-z0-9_]*\s*)+)/g)) {
    for (const l of m[1]!
      .split(':')
      .map((s) => s.trim())
      .filter(Boolean))
      labels.add(l);
  }
  for (const m of code.matchAll(/\(\s*((?::\s*[A-Za-z_][A-Za-z0-9_]*\s*)+)/g)) {
    for (const l of m[1]!
      .split(':')
      .map((s) => s.trim())
      .filter(Boolean))
      labels.add(l);
  }
  for (const m of code.matchAll(
    /(?:WHERE|AND|OR|NOT|WHEN)\s+\(?\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*([A-Za-z_][A-Za-z0-9_|]*)/gi,
  )) {
    for (const l of m[1]!.split('|').filter(Boolean)) labels.add(l);
  }
  // Property access a.b (not function namespaces such as date.truncate( ).
  for (const m of code.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/g)) {
    props.add(m[2]!);
  }
  // Map keys inside node and relationship patterns: (n:L {k: ...}), [r:T {k: ...}].
  for (const m of code.matchAll(/(?<![A-Za-z0-9_])[([][^()[\]{}]*\{([^{}]*)\}\s*[)\]]/g)) {
    for (const k of m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*:/g)) props.add(k[1]!);
  }
  return { labels, types, props };
}
