/**
 * Read-only execution of saved and user Cypher. Two fences: the text is refused when it holds
 * a write or admin clause, a procedure call not on the allow-list, or an unbounded
 * variable-length pattern; and it runs in a READ access-mode transaction, which the server
 * refuses to write in. Every query has a timeout and a row limit.
 */
import neo4j, { type Record as Neo4jRecord, type Node } from 'neo4j-driver';
import type { Graph } from './db/graph.js';
import { toPlain } from './db/graph.js';
import { type GraphElements, hasGraphValues, missingEndpoints, toElements } from './elements.js';
import { AppError, errorMessage } from './errors.js';
import { loadQueryConfig } from './query-config.js';
import { INLINE_INT_MAX, stripLiterals } from './registry.js';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  ms: number;
  graph?: GraphElements;
}

export interface GuardOptions {
  timeoutMs?: number;
  rowLimit?: number;
  /** Keep driver values (Node, Path...) in `raw` as well (analyses read paths from them). */
  keepRaw?: boolean;
}

/** Procedures a read-only query may call. */
export const ALLOWED_PROCEDURES: ReadonlySet<string> = new Set([
  'db.labels',
  'db.relationshiptypes',
  'db.propertykeys',
  'db.schema.visualization',
  'db.schema.nodetypeproperties',
  'db.schema.reltypeproperties',
]);

/** Clauses and keywords that write or administer. Checked on literal-free text. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bCREATE\b/i, 'CREATE'],
  [/\bMERGE\b/i, 'MERGE'],
  [/\bDELETE\b/i, 'DELETE'],
  [/\bDETACH\b/i, 'DETACH'],
  [/\bSET\b/i, 'SET'],
  [/\bREMOVE\b/i, 'REMOVE'],
  [/\bDROP\b/i, 'DROP'],
  [/\bFOREACH\b/i, 'FOREACH'],
  [/\bLOAD\s+CSV\b/i, 'LOAD CSV'],
  [/\bPERIODIC\s+COMMIT\b/i, 'PERIODIC COMMIT'],
  [/\bIN\s+(?:\d+\s+|CONCURRENT\s+)*TRANSACTIONS\b/i, 'CALL { } IN TRANSACTIONS'],
  [/\bALTER\b/i, 'ALTER'],
  [/\bGRANT\b/i, 'GRANT'],
  [/\bDENY\b/i, 'DENY'],
  [/\bREVOKE\b/i, 'REVOKE'],
  [/\bRENAME\b/i, 'RENAME'],
  [/\b(?:START|STOP)\s+DATABASE\b/i, 'START/STOP DATABASE'],
  [/\bTERMINATE\b/i, 'TERMINATE'],
  [/\bSHOW\b/i, 'SHOW'],
  [/\bUSE\b/i, 'USE'],
  [/\bENABLE\s+SERVER\b/i, 'ENABLE SERVER'],
  [
    /\bapoc\s*\.\s*(?:create|merge|refactor|periodic|load|import|export|cypher|trigger|do|nodes\s*\.\s*delete|atomic|lock|schema|custom|systemdb|uuid|ttl|log)\b/i,
    'an APOC procedure that writes or runs code',
  ],
];

/** Throws QUERY_NOT_READ_ONLY / QUERY_INVALID naming the offending construct. */
export function assertReadOnly(cypher: string): void {
  if (cypher.length > 100_000)
    throw new AppError('QUERY_INVALID', 'query text is longer than 100000 characters');
  const code = stripLiterals(cypher);
  for (const [re, name] of FORBIDDEN) {
    if (re.test(code))
      throw new AppError('QUERY_NOT_READ_ONLY', `${name} is not allowed: queries are read-only`);
  }
  // Procedure calls: CALL name.space(...) must be on the allow-list; CALL { subquery } is fine.
  for (const m of code.matchAll(/\bCALL\s+([A-Za-z_`][A-Za-z0-9_.`\s]*?)\s*(?:\(|YIELD\b|$|\n|;)/gi)) {
    const name = m[1]!.replace(/[`\s]/g, '').toLowerCase();
    if (!ALLOWED_PROCEDURES.has(name)) {
      throw new AppError('QUERY_NOT_READ_ONLY', `procedure ${name} is not on the read-only allow-list`);
    }
  }
  if (/\bCALL\s*\{/i.test(code) === false && /\bCALL\b(?!\s*[{(A-Za-z_`])/i.test(code)) {
    throw new AppError('QUERY_INVALID', 'CALL must name a procedure or open a subquery');
  }
  // Bounded variable-length relationships: [*], [*2..], [:T*] are refused; upper bound <= 12.
  for (const m of code.matchAll(/<?-\s*(\[[^\]]*\])/g)) {
    const inner = m[1]!;
    const star = /\*\s*(\d*)\s*(\.\.\s*(\d*))?/.exec(inner);
    if (!star) continue;
    const [, lo, range, hi] = star;
    const upper = range === undefined ? lo : hi;
    if (!upper)
      throw new AppError(
        'QUERY_INVALID',
        `variable-length pattern ${inner} needs an upper bound (e.g. *1..${INLINE_INT_MAX})`,
      );
    if (Number(upper) > INLINE_INT_MAX)
      throw new AppError('QUERY_INVALID', `variable-length pattern ${inner}: at most ${INLINE_INT_MAX} hops`);
  }
  // Quantified path patterns: ){1,} or )+ / )* and -[...]->+ are unbounded.
  for (const m of code.matchAll(/[)\]]\s*-?>?\s*\{\s*(\d*)\s*,\s*(\d*)\s*\}/g)) {
    if (!m[2]) throw new AppError('QUERY_INVALID', `quantifier ${m[0].trim()} needs an upper bound`);
    if (Number(m[2]) > INLINE_INT_MAX)
      throw new AppError('QUERY_INVALID', `quantifier ${m[0].trim()}: at most ${INLINE_INT_MAX}`);
  }
  if (/(->|\]-)\s*[+*]|\)\)\s*[+*]\s*\(/.test(code)) {
    throw new AppError('QUERY_INVALID', 'unbounded quantifier (+ or *) on a path pattern; give {1,n}');
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return /TransactionTimedOut|Terminated|timed out|timeout/i.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

function isWriteRefused(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return /(Writing in read access mode not allowed|ForbiddenDueToTransactionType|AccessMode|read-only)/i.test(
    `${e?.code ?? ''} ${e?.message ?? ''}`,
  );
}

export interface GuardedResult extends QueryResult {
  /** Driver records (only with keepRaw). */
  raw?: Neo4jRecord[];
}

/**
 * Runs read-only Cypher with a timeout and a row limit. Graph values in the rows become plain
 * JSON (`toPlain`); when there are any, `graph` holds them as Cytoscape elements.
 */
export async function runGuarded(
  graph: Graph,
  cypher: string,
  params: Record<string, unknown>,
  opts: GuardOptions = {},
): Promise<GuardedResult> {
  assertReadOnly(cypher);
  const cfg = loadQueryConfig();
  const timeoutMs = opts.timeoutMs ?? cfg.timeoutMs;
  const rowLimit = opts.rowLimit ?? cfg.rowLimit;
  const t0 = Date.now();
  const session = graph.session('READ');
  try {
    const { records, columns, truncated, extra } = await session.executeRead(
      async (tx) => {
        const res = tx.run(cypher, params);
        const recs: Neo4jRecord[] = [];
        let cut = false;
        for await (const rec of res) {
          if (recs.length >= rowLimit) {
            cut = true;
            break;
          }
          recs.push(rec);
        }
        const keys = recs[0]?.keys.map(String) ?? ((await res.keys()) as string[]).map(String);
        const values = recs.flatMap((r) => r.keys.map((k) => r.get(k)));
        const missing = missingEndpoints(values);
        const extraNodes = new Map<string, Node>();
        if (missing.length > 0) {
          const r2 = await tx.run('MATCH (n) WHERE elementId(n) IN $ids RETURN n', { ids: missing });
          for (const rec of r2.records) {
            const n = rec.get('n') as Node;
            extraNodes.set(n.elementId, n);
          }
        }
        return { records: recs, columns: keys, truncated: cut, extra: extraNodes };
      },
      { timeout: timeoutMs, metadata: { app: 'permgraph', kind: 'guarded' } },
    );
    const rows = records.map((r) => {
      const row: Record<string, unknown> = {};
      for (const k of r.keys) row[String(k)] = toPlain(r.get(k));
      return row;
    });
    const values = records.flatMap((r) => r.keys.map((k) => r.get(k)));
    const out: GuardedResult = { columns, rows, truncated, ms: Date.now() - t0 };
    if (hasGraphValues(values)) out.graph = toElements(values, extra);
    if (opts.keepRaw) out.raw = records;
    return out;
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (isTimeout(err)) {
      throw new AppError('QUERY_TIMEOUT', `query stopped after the ${timeoutMs} ms timeout`, { cause: err });
    }
    if (isWriteRefused(err)) {
      throw new AppError('QUERY_NOT_READ_ONLY', 'the database refused a write in a read-only query', {
        cause: err,
      });
    }
    const e = err as { code?: string };
    if (typeof e?.code === 'string' && e.code.startsWith('Neo.ClientError')) {
      throw new AppError('QUERY_INVALID', `query failed: ${errorMessage(err).split('\n')[0]}`, {
        cause: err,
      });
    }
    throw new AppError('GRAPH_UNAVAILABLE', `query could not run: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    });
  } finally {
    await session.close();
  }
}

/** A neo4j Integer for int parameters of ad hoc queries. */
export const int = (n: number) => neo4j.int(n);
