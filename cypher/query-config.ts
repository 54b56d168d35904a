/**
 * Settings of the query layer: users' own saved-query directories, the timeout and the row
 * limit every query (saved, ad hoc or API) runs under.
 */
import path from 'node:path';
import { AppError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface QueryConfig {
  /** Extra directories of `.cypher` files (PERMGRAPH_QUERY_DIR, separated by the path delimiter). */
  extraDirs: string[];
  /** Transaction timeout of one query (PERMGRAPH_QUERY_TIMEOUT_MS, default 30000). */
  timeoutMs: number;
  /** Rows returned at most; more are cut and `truncated` is set (PERMGRAPH_QUERY_ROW_LIMIT, default 10000). */
  rowLimit: number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
export const DEFAULT_QUERY_ROW_LIMIT = 10_000;

function positiveInt(env: Env, key: string, def: number, max: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`${key}: "${raw}" is not a whole number between 1 and ${max}`);
    return def;
  }
  return n;
}

export function loadQueryConfig(env: Env = process.env): QueryConfig {
  const problems: string[] = [];
  const timeoutMs = positiveInt(
    env,
    'PERMGRAPH_QUERY_TIMEOUT_MS',
    DEFAULT_QUERY_TIMEOUT_MS,
    3_600_000,
    problems,
  );
  const rowLimit = positiveInt(
    env,
    'PERMGRAPH_QUERY_ROW_LIMIT',
    DEFAULT_QUERY_ROW_LIMIT,
    1_000_000,
    problems,
  );
  const extraDirs = (env.PERMGRAPH_QUERY_DIR ?? '')
    .split(path.delimiter)
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => path.resolve(d));
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return { extraDirs, timeoutMs, rowLimit };
}
