/**
 * API server configuration: the only server module that reads process.env. Validated at start;
 * every bad key is listed at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../cypher/errors.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** Largest JSON body of ordinary routes, bytes. */
  bodyLimit: number;
  /** Largest upload to POST /imports, bytes. */
  importLimit: number;
  /** Requests per minute per client (token id, else address); 0 turns rate limiting off. */
  rateLimit: number;
  /** Timeout of the API's own graph queries and of user Cypher, ms. */
  queryTimeoutMs: number;
  /** Rows returned by user Cypher and saved queries at most. */
  rowLimit: number;
  /** Built explorer served at `/`, when the folder exists. */
  webDist: string | null;
  logLevel: string;
  /** Schedule file of scheduled scans (PERMGRAPH_SCHEDULE, or `permgraph serve --schedule`); null: none. */
  scheduleFile: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The package root (holds package.json), from source (server/) or build (dist/server/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'cypher'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

const MIB = 1024 * 1024;

export function loadServerConfig(
  overrides: Partial<ServerConfig> = {},
  env: Env = process.env,
): ServerConfig {
  const problems: string[] = [];
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: "${raw}" is not an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };
  const bodyLimit = int('PERMGRAPH_API_BODY_LIMIT', 1 * MIB, 1024, 64 * MIB);
  const importLimit = int('PERMGRAPH_API_IMPORT_LIMIT', 512 * MIB, 1024, 16 * 1024 * MIB);
  const rateLimit = int('PERMGRAPH_API_RATE_LIMIT', 3000, 0, 10_000_000);
  const queryTimeoutMs = int('PERMGRAPH_API_QUERY_TIMEOUT_MS', 30_000, 100, 3_600_000);
  const rowLimit = int('PERMGRAPH_API_ROW_LIMIT', 5000, 1, 1_000_000);
  const logLevel = env.PERMGRAPH_API_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push(`PERMGRAPH_API_LOG_LEVEL: "${logLevel}" is not a log level`);
  let webDist: string | null = env.PERMGRAPH_WEB_DIST ?? path.join(packageRoot(), 'web', 'dist');
  if (!existsSync(path.join(webDist, 'index.html'))) webDist = null;
  const scheduleFile = env.PERMGRAPH_SCHEDULE ? path.resolve(env.PERMGRAPH_SCHEDULE) : null;
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return {
    host: '127.0.0.1',
    port: 8080,
    bodyLimit,
    importLimit,
    rateLimit,
    queryTimeoutMs,
    rowLimit,
    webDist,
    logLevel,
    scheduleFile,
    ...overrides,
  };
}
