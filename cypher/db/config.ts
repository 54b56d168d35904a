/**
 * NEO4J_* and PERMGRAPH_* configuration. The only module that reads process.env for the
 * graph connection; every entrypoint validates it before doing work.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { AppError } from '../errors.js';

export const NEO4J_VERSION = '5.26.30';

export interface Neo4jConnectionConfig {
  uri: string;
  user: string;
  password: string;
  database: string;
}

export interface LocalNeo4jConfig {
  /** Instance directory (conf, data, logs, run state). */
  dataDir: string;
  port: number;
  heap: string;
  pageCache: string;
  txMemoryMax: string;
  version: string;
  mode: 'auto' | 'docker' | 'java';
  cacheDir: string;
}

export interface GraphConfig {
  /** Set when NEO4J_URI points at an existing Neo4j; otherwise the local instance is used. */
  external: Neo4jConnectionConfig | null;
  local: LocalNeo4jConfig;
  database: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const SIZE = /^\d+[kmgKMG]?$/;

/** The project's data folder (graph instance, scan reports). */
export function dataRoot(env: Env = process.env): string {
  return path.resolve(env.PERMGRAPH_DATA_DIR ?? '.permgraph');
}

export function cacheRoot(env: Env = process.env): string {
  const base =
    env.PERMGRAPH_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'permgraph');
  return path.resolve(base);
}

export interface LocalOverrides {
  dataDir?: string;
  port?: number;
}

/** Reads and validates the configuration, listing every bad key at once. */
export function loadGraphConfig(overrides: LocalOverrides = {}, env: Env = process.env): GraphConfig {
  const problems: string[] = [];
  const database = env.NEO4J_DATABASE ?? 'neo4j';
  if (!/^[A-Za-z][A-Za-z0-9.-]{0,62}$/.test(database))
    problems.push(`NEO4J_DATABASE: "${database}" is not a database name`);

  let external: Neo4jConnectionConfig | null = null;
  if (env.NEO4J_URI) {
    if (!/^(neo4j|bolt)(\+s|\+ssc)?:\/\/[^\s]+$/.test(env.NEO4J_URI)) {
      problems.push('NEO4J_URI: must look like neo4j://host:7687 or bolt+s://host:7687');
    }
    if (env.NEO4J_PASSWORD === undefined) problems.push('NEO4J_PASSWORD: required when NEO4J_URI is set');
    external = {
      uri: env.NEO4J_URI,
      user: env.NEO4J_USER ?? 'neo4j',
      password: env.NEO4J_PASSWORD ?? '',
      database,
    };
  }

  const portRaw = overrides.port ?? Number(env.PERMGRAPH_NEO4J_PORT ?? 7687);
  if (!Number.isInteger(portRaw) || portRaw < 1024 || portRaw > 65535) {
    problems.push(`PERMGRAPH_NEO4J_PORT: ${String(portRaw)} is not a port between 1024 and 65535`);
  }
  const heap = env.PERMGRAPH_NEO4J_HEAP ?? '2g';
  const pageCache = env.PERMGRAPH_NEO4J_PAGECACHE ?? '2g';
  const txMemoryMax = env.PERMGRAPH_NEO4J_TX_MEMORY ?? '1g';
  for (const [key, value] of [
    ['PERMGRAPH_NEO4J_HEAP', heap],
    ['PERMGRAPH_NEO4J_PAGECACHE', pageCache],
    ['PERMGRAPH_NEO4J_TX_MEMORY', txMemoryMax],
  ] as const) {
    if (!SIZE.test(value)) problems.push(`${key}: "${value}" is not a size like 512m or 2g`);
  }
  const mode = env.PERMGRAPH_NEO4J_MODE ?? 'auto';
  if (mode !== 'auto' && mode !== 'docker' && mode !== 'java') {
    problems.push(`PERMGRAPH_NEO4J_MODE: "${mode}" must be auto, docker or java`);
  }
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return {
    external,
    database,
    local: {
      dataDir: path.resolve(overrides.dataDir ?? path.join(dataRoot(env), 'neo4j')),
      port: portRaw,
      heap,
      pageCache,
      txMemoryMax,
      version: NEO4J_VERSION,
      mode: mode as LocalNeo4jConfig['mode'],
      cacheDir: cacheRoot(env),
    },
  };
}
