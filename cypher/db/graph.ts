/**
 * The database boundary: one driver, `database` on every call, parameters only, driver values
 * (Integer, temporal, Node, Relationship, Path) converted to plain JSON here and nowhere else.
 */
import neo4j, {
  type DateTime,
  type Driver,
  type Integer,
  isDate,
  isDateTime,
  isDuration,
  isInt,
  isLocalDateTime,
  isLocalTime,
  isNode,
  isPath,
  isRelationship,
  isTime,
  type ManagedTransaction,
  type QueryResult,
  type RecordShape,
  type Session,
} from 'neo4j-driver';
import { AppError, errorMessage } from '../errors.js';
import { type GraphConfig, type LocalOverrides, loadGraphConfig } from './config.js';
import * as local from './local-neo4j.js';

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;

export interface GraphNodeJson {
  elementId: string;
  labels: string[];
  properties: Row;
}
export interface GraphRelJson {
  elementId: string;
  type: string;
  startElementId: string;
  endElementId: string;
  properties: Row;
}
export interface GraphPathJson {
  nodes: GraphNodeJson[];
  relationships: GraphRelJson[];
}

/** Plain JSON from any driver value. */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // Strings, numbers and booleans are already plain (the is* checks below look for marker
  // properties, which a primitive never has): skipping them matters for long string lists.
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return value;
  if (isInt(value)) return neo4j.integer.inSafeRange(value) ? value.toNumber() : value.toString();
  if (typeof value === 'bigint') return Number(value);
  if (isDateTime(value) || isDate(value) || isLocalDateTime(value) || isTime(value) || isLocalTime(value)) {
    return temporalToIso(value);
  }
  if (isDuration(value)) return value.toString();
  if (isNode(value)) {
    return {
      elementId: value.elementId,
      labels: [...value.labels],
      properties: plainRecord(value.properties),
    };
  }
  if (isRelationship(value)) {
    return {
      elementId: value.elementId,
      type: value.type,
      startElementId: value.startNodeElementId,
      endElementId: value.endNodeElementId,
      properties: plainRecord(value.properties),
    };
  }
  if (isPath(value)) {
    const nodes = [toPlain(value.start) as GraphNodeJson];
    const relationships: GraphRelJson[] = [];
    for (const seg of value.segments) {
      relationships.push(toPlain(seg.relationship) as GraphRelJson);
      nodes.push(toPlain(seg.end) as GraphNodeJson);
    }
    return { nodes, relationships } satisfies GraphPathJson;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') return plainRecord(value as Row);
  return value;
}

function temporalToIso(value: { toString(): string }): string {
  if (isDateTime(value) && value.timeZoneOffsetSeconds !== undefined) {
    try {
      return zonedDateTimeToIso(value);
    } catch {
      return value.toString();
    }
  }
  return value.toString();
}

const num = (v: number | Integer): number => (typeof v === 'number' ? v : Number(v));

/** Days from 1970-01-01 to a proleptic Gregorian date (exact in doubles for any driver year). */
function epochDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The instant of a DateTime with an offset as `Date#toISOString()` (millisecond precision,
 * UTC): what `value.toStandardDate().toISOString()` returns, computed with plain numbers instead
 * of the driver's Integer arithmetic (the bulk of the API's CPU on datetime-heavy rows). Throws
 * a RangeError outside the Date range, as the driver's way does.
 */
export function zonedDateTimeToIso(value: DateTime<number | Integer>): string {
  const seconds =
    epochDay(num(value.year), num(value.month), num(value.day)) * 86_400 +
    num(value.hour) * 3600 +
    num(value.minute) * 60 +
    num(value.second) -
    num(value.timeZoneOffsetSeconds ?? 0);
  return new Date(seconds * 1000 + Math.floor(num(value.nanosecond) / 1_000_000)).toISOString();
}

function plainRecord(obj: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toPlain(v);
  return out;
}

/** One record as a plain row. */
function rowOf<T extends RecordShape>(r: QueryResult<T>['records'][number]): Row {
  const row: Row = {};
  for (const key of r.keys) row[String(key)] = toPlain(r.get(key));
  return row;
}

export function rowsOf<T extends RecordShape>(result: QueryResult<T>): Row[] {
  return result.records.map(rowOf);
}

const TRANSIENT =
  /TransientError|ServiceUnavailable|SessionExpired|DeadlockDetected|LockClient|ConnectionReadTimeout/;

export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; retriable?: boolean; message?: string };
  if (e?.retriable) return true;
  return TRANSIENT.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

/** Retries of `Graph.query` after a transient failure (100, 200, 400 ms apart). */
export const QUERY_RETRIES = 3;

export interface QueryOptions {
  timeoutMs?: number;
  /** Extra transaction metadata shown in Neo4j's query log. */
  metadata?: Record<string, string>;
}

export class Graph {
  readonly driver: Driver;
  readonly database: string;
  readonly uri: string;

  constructor(driver: Driver, database: string, uri: string) {
    this.driver = driver;
    this.database = database;
    this.uri = uri;
  }

  session(mode: 'READ' | 'WRITE' = 'WRITE'): Session {
    return this.driver.session({
      database: this.database,
      defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
    });
  }

  /** Read-only query: READ access mode; the driver retries transient failures. */
  async read(cypher: string, params: Params = {}, opts: QueryOptions = {}): Promise<Row[]> {
    const session = this.session('READ');
    try {
      return await session.executeRead((tx) => tx.run(cypher, params).then(rowsOf), txConfig(opts));
    } finally {
      await session.close();
    }
  }

  /**
   * One small read as an auto-commit statement in READ mode: a single round trip (RUN+PULL)
   * instead of BEGIN, RUN+PULL and COMMIT, for the API's per-request lookups. The whole result
   * is buffered before it is returned, so a transient failure (connection lost, leader switch)
   * is retried from scratch, at most `QUERY_RETRIES` times, like `read` would.
   */
  async query(cypher: string, params: Params = {}, opts: QueryOptions = {}): Promise<Row[]> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session('READ');
      try {
        return rowsOf(await session.run(cypher, params, txConfig(opts)));
      } catch (err) {
        if (attempt >= QUERY_RETRIES || !isTransient(err)) throw err;
      } finally {
        await session.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  /**
   * Read-only query whose rows are handed over as they arrive (auto-commit, READ mode; the
   * driver pulls records in batches), for results too large to hold as a whole.
   */
  async *stream(cypher: string, params: Params = {}, opts: QueryOptions = {}): AsyncGenerator<Row> {
    const session = this.session('READ');
    try {
      for await (const record of session.run(cypher, params, txConfig(opts))) yield rowOf(record);
    } finally {
      await session.close();
    }
  }

  /** One write transaction, retried on transient errors. */
  async write(cypher: string, params: Params = {}, opts: QueryOptions = {}): Promise<Row[]> {
    const session = this.session('WRITE');
    try {
      return await session.executeWrite((tx) => tx.run(cypher, params).then(rowsOf), txConfig(opts));
    } finally {
      await session.close();
    }
  }

  /** Several statements in one write transaction. */
  async writeTx<T>(work: (tx: ManagedTransaction) => Promise<T>, opts: QueryOptions = {}): Promise<T> {
    const session = this.session('WRITE');
    try {
      return await session.executeWrite(work, txConfig(opts));
    } finally {
      await session.close();
    }
  }

  /** Auto-commit statement (needed for CALL {} IN TRANSACTIONS and schema commands). */
  async run(cypher: string, params: Params = {}, opts: QueryOptions = {}): Promise<Row[]> {
    const session = this.session('WRITE');
    try {
      return rowsOf(await session.run(cypher, params, txConfig(opts)));
    } finally {
      await session.close();
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

function txConfig(opts: QueryOptions): { timeout?: number; metadata?: Record<string, string> } | undefined {
  if (opts.timeoutMs === undefined && opts.metadata === undefined) return undefined;
  return {
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
}

export interface ConnectOptions extends LocalOverrides {
  /** Start the local Neo4j when NEO4J_URI is unset (default true). */
  autoStart?: boolean;
  log?: (message: string) => void;
  config?: GraphConfig;
}

/**
 * Connects to NEO4J_URI, or to the local instance (started on demand).
 * Throws GRAPH_UNAVAILABLE with a clear message when nothing answers.
 */
export async function connectGraph(opts: ConnectOptions = {}): Promise<Graph> {
  const cfg = opts.config ?? loadGraphConfig(opts);
  let uri: string;
  let user: string;
  let password: string;
  if (cfg.external) {
    ({ uri, user, password } = cfg.external);
  } else {
    const st = await local.status(cfg.local);
    let state = st.running ? st.state : null;
    if (!state) {
      if (opts.autoStart === false) {
        throw new AppError(
          'GRAPH_UNAVAILABLE',
          'The local Neo4j is not running. Start it with `permgraph neo4j start`, or set NEO4J_URI.',
        );
      }
      state = await local.start(cfg.local, opts.log ? { log: opts.log } : {});
    }
    ({ uri, user, password } = state);
  }
  const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), {
    maxConnectionPoolSize: 20,
    connectionAcquisitionTimeout: 60_000,
    disableLosslessIntegers: false,
    logging: { level: 'error', logger: () => {} },
  });
  try {
    await driver.verifyConnectivity({ database: cfg.database });
  } catch (err) {
    await driver.close();
    throw new AppError('GRAPH_UNAVAILABLE', `Neo4j at ${uri} does not answer: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return new Graph(driver, cfg.database, uri);
}
