/**
 * The auth matrix, built from the app's own route table: every registered route x
 * {no token, malformed header, unknown token, revoked token, reader, analyst, admin}. A route
 * without a sample request below fails the test, so no route ships without its auth checked.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../server/app.js';
import { createToken, type Role, revokeToken, roleAtLeast } from '../../server/tokens.js';
import { ALICE, type ApiFixture, apiFixture, BOB, FINDING_FP } from './api-helpers.js';

let f: ApiFixture;
let revoked: string;

interface Sample {
  url: string;
  payload?: string | object;
  contentType?: string;
  /** Statuses that count as success for an authorised caller. */
  ok: number[];
}

const enc = encodeURIComponent;
const snapshot = readFileSync(path.resolve('examples/aws-example.snapshot.json'), 'utf8');

/** One valid request per route (`METHOD url` as registered). */
const samples: Record<string, () => Promise<Sample> | Sample> = {
  'GET /health': () => ({ url: '/health', ok: [200] }),
  'GET /openapi.json': () => ({ url: '/openapi.json', ok: [200] }),
  'GET /api/v1/health': () => ({ url: '/api/v1/health', ok: [200] }),
  'GET /api/v1/me': () => ({ url: '/api/v1/me', ok: [200] }),
  'GET /api/v1/schema': () => ({ url: '/api/v1/schema', ok: [200] }),
  'GET /api/v1/stats': () => ({ url: '/api/v1/stats', ok: [200] }),
  'GET /api/v1/nodes': () => ({ url: '/api/v1/nodes?q=ali', ok: [200] }),
  'GET /api/v1/nodes/:id': () => ({ url: `/api/v1/nodes/${enc(ALICE)}`, ok: [200] }),
  'GET /api/v1/nodes/:id/neighbours': () => ({
    url: `/api/v1/nodes/${enc(BOB)}/neighbours?depth=2`,
    ok: [200],
  }),
  'GET /api/v1/paths': () => ({ url: `/api/v1/paths?from=${enc(BOB)}&toTierZero=true`, ok: [200] }),
  'GET /api/v1/queries': () => ({ url: '/api/v1/queries', ok: [200] }),
  'GET /api/v1/queries/:id': async () => ({ url: `/api/v1/queries/${enc(await firstQueryId())}`, ok: [200] }),
  'POST /api/v1/queries/:id/run': async () => ({
    url: `/api/v1/queries/${enc(await firstQueryId())}/run`,
    payload: { params: {} },
    ok: [200],
  }),
  'POST /api/v1/cypher': () => ({
    url: '/api/v1/cypher',
    payload: { query: 'MATCH (n:Entity) RETURN count(n) AS c' },
    ok: [200],
  }),
  'GET /api/v1/findings': () => ({ url: '/api/v1/findings?severity=high,critical', ok: [200] }),
  'GET /api/v1/findings/:fingerprint': () => ({ url: `/api/v1/findings/${FINDING_FP}`, ok: [200, 404] }),
  'GET /api/v1/scans': () => ({ url: '/api/v1/scans', ok: [200] }),
  'GET /api/v1/scans/:id': () => ({ url: '/api/v1/scans/example-aws-1', ok: [200, 404] }),
  'GET /api/v1/scans/:id/diff': () => ({ url: '/api/v1/scans/example-aws-1/diff', ok: [200, 400, 404] }),
  'GET /api/v1/scans/:id/events': () => ({ url: '/api/v1/scans/no-such-job/events', ok: [404] }),
  'GET /api/v1/pci': () => ({ url: '/api/v1/pci?level=account', ok: [200] }),
  'POST /api/v1/imports': () => ({
    url: '/api/v1/imports',
    payload: snapshot,
    contentType: 'application/json',
    ok: [202, 409],
  }),
  'POST /api/v1/scans': () => ({ url: '/api/v1/scans', payload: {}, ok: [202, 409] }),
  'GET /api/v1/schedules': () => ({ url: '/api/v1/schedules', ok: [200] }),
  'POST /api/v1/tokens': () => ({
    url: '/api/v1/tokens',
    payload: { role: 'reader', name: 'matrix' },
    ok: [201],
  }),
  'GET /api/v1/tokens': () => ({ url: '/api/v1/tokens', ok: [200] }),
  'DELETE /api/v1/tokens/:id': async () => ({
    url: `/api/v1/tokens/${(await createToken(f.graph, 'reader', 'to revoke')).id}`,
    ok: [200],
  }),
};

let queryId: string | undefined;
async function firstQueryId(): Promise<string> {
  if (queryId) return queryId;
  const r = await f.app.inject({
    method: 'GET',
    url: '/api/v1/queries',
    headers: { authorization: `Bearer ${f.tokens.admin}` },
  });
  const items = (r.json().items ?? []) as {
    id: string;
    params: { required?: boolean; default?: unknown }[];
  }[];
  const q = items.find((x) => x.params.every((p) => !p.required || p.default !== undefined)) ?? items[0];
  queryId = q?.id ?? 'no-queries-registered';
  return queryId;
}

function sampleFor(route: RouteEntry): () => Promise<Sample> | Sample {
  const key = `${route.method} ${route.url}`;
  const s = samples[key];
  if (s) return s;
  // Documentation and explorer files: public, outside /api.
  if (route.auth === undefined && !route.url.startsWith('/api/')) {
    return () => ({
      url: route.url.replace(/\*$/, 'index.html').replace(/:[A-Za-z]+/g, 'x'),
      ok: [200, 302, 404],
    });
  }
  throw new Error(
    `No auth-matrix sample for route ${key}: add one to test/integration/api-auth-matrix.test.ts`,
  );
}

type Caller = 'none' | 'malformed' | 'unknown' | 'revoked' | Role;
const CALLERS: Caller[] = ['none', 'malformed', 'unknown', 'revoked', 'reader', 'analyst', 'admin'];

function headersOf(caller: Caller): Record<string, string> {
  switch (caller) {
    case 'none':
      return {};
    case 'malformed':
      return { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    case 'unknown':
      return { authorization: `Bearer pgt_0123456789abcdef_${'A'.repeat(43)}` };
    case 'revoked':
      return { authorization: `Bearer ${revoked}` };
    default:
      return { authorization: `Bearer ${f.tokens[caller]}` };
  }
}

beforeAll(async () => {
  f = await apiFixture();
  const t = await createToken(f.graph, 'admin', 'revoked admin');
  await revokeToken(f.graph, t.id);
  revoked = t.token;
});
afterAll(async () => {
  await f?.jobs.drain(120_000);
  await f?.close();
});

describe('auth matrix', () => {
  it('every /api route declares its role and the table covers all routes of the contract', () => {
    const api = f.app.routeTable.filter((r) => r.url.startsWith('/api/'));
    expect(api.length).toBeGreaterThanOrEqual(24);
    for (const r of api) expect(r.auth, `${r.method} ${r.url}`).toBeDefined();
    const byRole = (role: string) => api.filter((r) => r.auth === role).map((r) => `${r.method} ${r.url}`);
    expect(byRole('public')).toEqual(['GET /api/v1/health']);
    expect(byRole('analyst').sort()).toEqual(['POST /api/v1/cypher', 'POST /api/v1/queries/:id/run']);
    expect(byRole('admin').sort()).toEqual([
      'DELETE /api/v1/tokens/:id',
      'GET /api/v1/scans/:id/events',
      'GET /api/v1/schedules',
      'GET /api/v1/tokens',
      'POST /api/v1/imports',
      'POST /api/v1/scans',
      'POST /api/v1/tokens',
    ]);
  });

  it('an /api route without an auth requirement refuses to register', async () => {
    const { buildApp } = await import('../../server/app.js');
    const app = await buildApp({ graph: f.graph, config: { rateLimit: 0, webDist: null } });
    expect(() => app.get('/api/v1/forgotten', async () => ({}))).toThrow(/declares no auth requirement/);
    await app.close();
  });

  it('answers 401, 403 or success exactly as the role table says', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of f.app.routeTable) {
      const make = sampleFor(route);
      for (const caller of CALLERS) {
        const s = await make();
        const res = await f.app.inject({
          method: route.method as 'GET',
          url: s.url,
          headers: { ...headersOf(caller), ...(s.contentType ? { 'content-type': s.contentType } : {}) },
          ...(s.payload !== undefined ? { payload: s.payload } : {}),
        });
        if (route.method === 'POST' && (route.url.endsWith('/imports') || route.url.endsWith('/scans')))
          await f.jobs.drain(120_000);
        checked++;
        const need = route.auth;
        let expected: number[];
        if (need === 'public' || (need === undefined && !route.url.startsWith('/api/'))) expected = s.ok;
        else if (caller === 'none' || caller === 'malformed' || caller === 'unknown' || caller === 'revoked')
          expected = [401];
        else expected = roleAtLeast(caller, need!) ? s.ok : [403];
        if (!expected.includes(res.statusCode)) {
          failures.push(
            `${route.method} ${s.url} as ${caller}: ${res.statusCode} (expected ${expected.join('/')}) ${res.body.slice(0, 200)}`,
          );
        }
        if (res.statusCode === 401) {
          expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
          expect(res.json().error.code).toBe('UNAUTHORIZED');
        }
        if (res.statusCode === 403) expect(res.json().error.code).toBe('FORBIDDEN');
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(26 * CALLERS.length);
  });
});
