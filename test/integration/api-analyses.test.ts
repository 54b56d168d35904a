/**
 * Routes backed by the analyses module, on the real graph: paths with every hop explained,
 * saved queries and read-only Cypher, then a scan started over the API and its findings,
 * scans, diff and PCI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture, auth, BOB, DEPLOY, DEVS } from './api-helpers.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.jobs.drain(300_000);
  await f?.close();
});

const enc = encodeURIComponent;
const get = (url: string, token = f.tokens.reader) =>
  f.app.inject({ method: 'GET', url, headers: auth(token) });

describe('paths', () => {
  it('finds the path to tier zero with every hop explained', async () => {
    const r = await get(`/api/v1/paths?from=${enc(BOB)}&toTierZero=true&maxHops=4`);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.paths.length, r.body).toBeGreaterThan(0);
    expect(body.paths[0].nodes).toEqual([BOB, DEPLOY, DEVS]);
    expect(body.paths[0].hops[0]).toMatchObject({
      from: BOB,
      to: DEPLOY,
      type: 'AWS_ASSUME_ROLE',
      technique: 'sts-001',
      reason: 'bob can assume deploy',
    });
    expect(body.paths[0].hops[1]).toMatchObject({ type: 'AWS_ADD_TO_GROUP', conditional: true });
    expect(body.elements.nodes.map((n: { data: { id: string } }) => n.data.id)).toEqual(
      expect.arrayContaining([BOB, DEPLOY, DEVS]),
    );
    const pair = await get(`/api/v1/paths?from=${enc(BOB)}&to=${enc(DEVS)}&edgeSet=ESCALATION`);
    expect(pair.json().paths).toHaveLength(1);
    const none = await get(`/api/v1/paths?from=${enc(DEVS)}&to=${enc(BOB)}`);
    expect(none.json().paths).toEqual([]);
    expect((await get(`/api/v1/paths?from=${enc(BOB)}`)).statusCode).toBe(400);
    const missing = await get(`/api/v1/paths?from=nope&toTierZero=true`);
    expect(missing.statusCode).toBe(404);
  });
});

describe('saved queries and Cypher', () => {
  it('lists queries without Cypher for readers, with Cypher for analysts, and runs one', async () => {
    const list = (await get('/api/v1/queries')).json();
    expect(list.total).toBeGreaterThan(10);
    expect(list.items[0].cypher).toBeUndefined();
    const q = list.items.find((x: { params: { required?: boolean }[] }) =>
      x.params.every((p) => !p.required),
    );
    expect((await get(`/api/v1/queries/${enc(q.id)}`)).json().cypher).toBeUndefined();
    expect((await get(`/api/v1/queries/${enc(q.id)}`, f.tokens.analyst)).json().cypher).toEqual(
      expect.any(String),
    );
    const run = await f.app.inject({
      method: 'POST',
      url: `/api/v1/queries/${enc(q.id)}/run`,
      headers: auth(f.tokens.analyst),
      payload: { params: {} },
    });
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({
      columns: expect.any(Array),
      rows: expect.any(Array),
      truncated: false,
    });
    expect((await get('/api/v1/queries/no-such-query')).json().error.code).toBe('QUERY_NOT_FOUND');
    const withParam = list.items.find((x: { params: { type: string }[] }) =>
      x.params.some((p) => p.type === 'int'),
    );
    if (withParam) {
      const p = withParam.params.find((x: { type: string }) => x.type === 'int');
      const bad = await f.app.inject({
        method: 'POST',
        url: `/api/v1/queries/${enc(withParam.id)}/run`,
        headers: auth(f.tokens.analyst),
        payload: { params: { [p.name]: 'not a number' } },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain(p.name);
    }
  });

  it('runs read-only Cypher and refuses writes', async () => {
    const ok = await f.app.inject({
      method: 'POST',
      url: '/api/v1/cypher',
      headers: auth(f.tokens.analyst),
      payload: {
        query: 'MATCH p = (a:Entity {id: $id})-[:AWS_ASSUME_ROLE]->() RETURN p',
        params: { id: BOB },
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().graph.nodes.length).toBe(2);
    for (const query of [
      'MATCH (n) DETACH DELETE n',
      'CREATE (:Entity {id: "x"})',
      "CALL dbms.killQueries(['1'])",
    ]) {
      const r = await f.app.inject({
        method: 'POST',
        url: '/api/v1/cypher',
        headers: auth(f.tokens.analyst),
        payload: { query },
      });
      expect(r.statusCode, query).toBe(400);
    }
    const [c] = await f.graph.read('MATCH (n:Entity {id: "x"}) RETURN count(n) AS c');
    expect(Number(c!.c)).toBe(0);
  });
});

describe('a scan over the API', () => {
  it('starts a scan, streams it, then serves its findings, diff and PCI', async () => {
    const start = await f.app.inject({
      method: 'POST',
      url: '/api/v1/scans',
      headers: auth(f.tokens.admin),
      payload: {},
    });
    expect(start.statusCode, start.body).toBe(202);
    const again = await f.app.inject({
      method: 'POST',
      url: '/api/v1/scans',
      headers: auth(f.tokens.admin),
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    await f.jobs.drain(300_000);
    const ev = await f.app.inject({ method: 'GET', url: start.json().events, headers: auth(f.tokens.admin) });
    expect(ev.headers['content-type']).toMatch(/text\/event-stream/);
    const done = ev.body.split('\n\n').find((b) => b.startsWith('event: done'));
    expect(done, ev.body.slice(-500)).toBeDefined();
    const summary = JSON.parse(done!.split('\n')[1]!.slice('data: '.length));
    expect(summary.scan).toEqual(expect.any(String));

    const scans = (await get('/api/v1/scans')).json();
    expect(scans.items.map((s: { id: string }) => s.id)).toContain(summary.scan);
    expect((await get(`/api/v1/scans/${enc(summary.scan)}`)).json()).toMatchObject({ id: summary.scan });
    const diff = await get(`/api/v1/scans/${enc(summary.scan)}/diff`);
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json()).toMatchObject({ to: summary.scan, newFindings: expect.any(Array) });

    const findings = (await get('/api/v1/findings?limit=5')).json();
    expect(findings.total).toBeGreaterThan(0);
    const fp = findings.items[0].fingerprint;
    expect((await get(`/api/v1/findings/${fp}`)).json()).toMatchObject({ fingerprint: fp });
    const high = (await get('/api/v1/findings?severity=critical,high')).json();
    expect(high.items.every((x: { severity: string }) => ['critical', 'high'].includes(x.severity))).toBe(
      true,
    );
    const pci = await get('/api/v1/pci?level=identity&provider=aws');
    expect(pci.statusCode, pci.body).toBe(200);
    expect(pci.json()).toMatchObject({ items: expect.any(Array), total: expect.any(Number) });
    expect((await get('/api/v1/scans/nope')).statusCode).toBe(404);
  });
});
