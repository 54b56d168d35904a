/**
 * Bad input generated from the OpenAPI document (fast-check), and hostile strings in every
 * parameter of every route: never a 5xx, every error in the envelope, no stack, no Cypher, no
 * token in a response, and the graph unchanged.
 */
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelope } from '../../server/schemas/common.js';
import { ALICE, type ApiFixture, apiFixture, auth, BOB, FINDING_FP } from './api-helpers.js';

let f: ApiFixture;
let doc: OpenAPIV3_1.Document;
let entityCount = 0;

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: Record<string, unknown> }[];
  body: Record<string, unknown> | null;
}

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    if (!p.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(item as Record<string, OpenAPIV3_1.OperationObject>)) {
      const params = ((op.parameters ?? []) as OpenAPIV3_1.ParameterObject[])
        .filter((x) => x.in === 'path' || x.in === 'query')
        .map((x) => ({
          name: x.name,
          in: x.in as 'path' | 'query',
          schema: (x.schema ?? {}) as Record<string, unknown>,
        }));
      const body = (op.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content?.[
        'application/json'
      ]?.schema;
      out.push({
        method: method.toUpperCase(),
        path: p,
        params,
        body: (body as Record<string, unknown>) ?? null,
      });
    }
  }
  return out;
}

const HOSTILE = [
  "' OR 1=1 //",
  '") DETACH DELETE n //',
  'x"}) MATCH (n) DETACH DELETE n //',
  '`) CALL dbms.killQueries([]) //',
  'MATCH (n) SET n.pwned = true RETURN n',
  '$id',
  '{{TRAVERSABLE}}',
  '__proto__',
  'constructor',
  'prototype',
  'x'.repeat(10_000),
  '\u0000\u0001\u001f',
  '\u202e\u2066evil\u2069',
  '\u200b\u200d',
  '\ud800',
  '😀'.repeat(40),
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '<script>alert(1)</script>',
  'null',
  '-1',
  '1e309',
  '',
  ' ',
];

/** Valid values for parameters other than the one under attack. */
const VALID: Record<string, string> = { id: ALICE, from: BOB, fingerprint: FINDING_FP };

/** encodeURIComponent, but lone surrogates become an invalid UTF-8 byte sequence instead of throwing. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .split(/([\ud800-\udfff])/)
      .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
      .join('');
  }
}

function buildUrl(op: Operation, values: Record<string, unknown>): string {
  let url = op.path;
  const qs = new URLSearchParams();
  for (const p of op.params) {
    const v = values[p.name];
    if (p.in === 'path') {
      url = url.replace(`{${p.name}}`, enc(String(v ?? VALID[p.name] ?? 'x')));
    } else if (v !== undefined) {
      for (const x of Array.isArray(v) ? v : [v])
        qs.append(p.name, typeof x === 'string' ? x : JSON.stringify(x));
    }
  }
  const q = qs.toString();
  return q ? `${url}?${q}` : url;
}

const STACK = /\bat [^\s]+ \(?[^\s]*\.(ts|js):\d+/;
const CYPHER = /\b(MATCH|UNWIND|RETURN|MERGE)\b.*\(/;

function checkResponse(
  label: string,
  res: { statusCode: number; body: string; json(): unknown },
  problems: string[],
) {
  if (res.statusCode >= 500) problems.push(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  if (STACK.test(res.body)) problems.push(`${label}: stack trace in response`);
  for (const t of Object.values(f.tokens))
    if (res.body.includes(t)) problems.push(`${label}: token in response`);
  if (res.statusCode >= 400) {
    let body: unknown;
    try {
      body = res.json();
    } catch {
      problems.push(`${label}: error body is not JSON`);
      return;
    }
    if (!Value.Check(ErrorEnvelope, body))
      problems.push(`${label}: error body not in the envelope ${res.body.slice(0, 200)}`);
    const message = (body as { error?: { message?: string } }).error?.message ?? '';
    // Syntax errors of the caller's own Cypher (POST /cypher) may quote the parser; nothing else may.
    const ownCypher = label.includes('/cypher');
    if (
      !ownCypher &&
      CYPHER.test(message) &&
      !HOSTILE.some((h) => h.length > 5 && message.includes(h.slice(0, 20)))
    )
      problems.push(`${label}: Cypher in the error message: ${message.slice(0, 200)}`);
  }
}

function arbitraryFor(schema: Record<string, unknown>): fc.Arbitrary<unknown> {
  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constantFrom(...HOSTILE),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  );
  const valid: fc.Arbitrary<unknown>[] = [];
  if (Array.isArray(schema.enum)) valid.push(fc.constantFrom(...(schema.enum as unknown[])));
  if (schema.type === 'integer') {
    const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
    const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
    valid.push(fc.integer({ min: min - 2, max: Math.min(max + 2, Number.MAX_SAFE_INTEGER) }));
  }
  if (schema.type === 'boolean') valid.push(fc.constantFrom(true, false, 'yes', 0));
  return valid.length ? fc.oneof(...valid, junk) : junk;
}

function bodyArbitrary(schema: Record<string, unknown> | null): fc.Arbitrary<unknown> {
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const shaped = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, arbitraryFor(s)])), {
    requiredKeys: [],
  });
  return fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 }), fc.object({ maxDepth: 2 }));
}

beforeAll(async () => {
  f = await apiFixture();
  doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  entityCount = Number((await f.graph.read('MATCH (n:Entity) RETURN count(n) AS c'))[0]!.c);
});
afterAll(async () => {
  await f?.jobs.drain(180_000);
  await f?.close();
});

describe('bad input from the OpenAPI document', () => {
  it('never answers 5xx and every error is in the envelope', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(24);
    const problems: string[] = [];
    for (const op of ops) {
      const paramArb = fc.record(Object.fromEntries(op.params.map((p) => [p.name, arbitraryFor(p.schema)])), {
        requiredKeys: [],
      });
      await fc.assert(
        fc.asyncProperty(paramArb, bodyArbitrary(op.body), fc.boolean(), async (values, body, rawText) => {
          const url = buildUrl(op, values as Record<string, unknown>);
          const res = await f.app.inject({
            method: op.method as 'GET',
            url,
            headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
            ...(op.method === 'GET' || op.method === 'DELETE'
              ? {}
              : { payload: rawText ? `${JSON.stringify(body)}}` : JSON.stringify(body ?? null) }),
          });
          checkResponse(`${op.method} ${url.slice(0, 150)}`, res, problems);
          return true;
        }),
        { numRuns: 25, seed: 20261203 },
      );
    }
    expect(problems).toEqual([]);
  });
});

describe('hostile strings in every parameter', () => {
  it('path and query parameters', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      for (const target of op.params) {
        for (const h of HOSTILE) {
          const values: Record<string, unknown> = {};
          for (const p of op.params) if (p.in === 'path' || VALID[p.name]) values[p.name] = VALID[p.name];
          values[target.name] = h;
          const url = buildUrl(op, values);
          const res = await f.app.inject({
            method: op.method as 'GET',
            url,
            headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
            ...(op.method === 'POST'
              ? { payload: op.path.endsWith('/tokens') ? { role: 'reader' } : {} }
              : {}),
          });
          sent++;
          checkResponse(
            `${op.method} ${op.path} ${target.name}=${JSON.stringify(h).slice(0, 40)}`,
            res,
            problems,
          );
        }
      }
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(30 * HOSTILE.length);
  });

  it('body fields and keys', async () => {
    const problems: string[] = [];
    for (const op of operations().filter((o) => o.body)) {
      const props = Object.keys((op.body?.properties ?? {}) as object);
      for (const h of HOSTILE) {
        const payloads = [
          ...props.map((k) => JSON.stringify({ [k]: h })),
          ...props.map((k) => JSON.stringify({ [k]: { [h.slice(0, 100)]: h } })),
          `{"__proto__": {"polluted": true}, "role": "reader", "query": "RETURN 1"}`,
          `{"constructor": {"prototype": {"polluted": true}}, "role": "reader"}`,
        ];
        for (const payload of payloads) {
          const url = op.path.replace('{id}', 'x');
          const res = await f.app.inject({
            method: op.method as 'POST',
            url,
            headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
            payload,
          });
          checkResponse(`${op.method} ${url} ${payload.slice(0, 60)}`, res, problems);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('headers: hostile and oversized Authorization values are 401 in the envelope', async () => {
    const problems: string[] = [];
    for (const h of HOSTILE.filter((x) => !/[\u0000-\u001f\u007f-\uffff]/.test(x))) {
      for (const header of [`Bearer ${h}`, h, `Bearer pgt_${h}`]) {
        const res = await f.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization: header },
        });
        if (res.statusCode !== 401)
          problems.push(`${JSON.stringify(header).slice(0, 40)}: ${res.statusCode}`);
        checkResponse(`authorization ${JSON.stringify(header).slice(0, 40)}`, res, problems);
      }
    }
    expect(problems).toEqual([]);
  });

  it('left the graph as it was', async () => {
    await f.jobs.drain(180_000);
    const [row] = await f.graph.read(
      'MATCH (n:Entity) RETURN count(n) AS c, count(CASE WHEN n.pwned IS NOT NULL THEN 1 END) AS pwned',
    );
    expect(Number(row!.pwned)).toBe(0);
    // Imports in the fuzz run may only add snapshot data; nothing is ever removed by a request.
    expect(Number(row!.c)).toBeGreaterThanOrEqual(entityCount);
  });
});
