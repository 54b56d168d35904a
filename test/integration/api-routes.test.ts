import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, type ApiFixture, apiFixture, auth, BOB, DEPLOY, FINDING_FP } from './api-helpers.js';

let f: ApiFixture;

beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.close();
});

const enc = encodeURIComponent;

describe('graph routes', () => {
  it('health answers without a token and reports Neo4j', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', neo4j: true });
    const root = await f.app.inject({ method: 'GET', url: '/health' });
    expect(root.statusCode).toBe(200);
  });

  it('me names the token role', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(f.tokens.analyst) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ role: 'analyst', name: 'test analyst' });
  });

  it('schema lists kinds, edges and edge sets', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/schema', headers: auth(f.tokens.reader) });
    const body = r.json();
    expect(body.kinds.find((k: { kind: string }) => k.kind === 'AWSUser')).toMatchObject({ provider: 'aws' });
    expect(body.edges.find((e: { type: string }) => e.type === 'AWS_ASSUME_ROLE')).toMatchObject({
      category: 'escalation',
      traversable: true,
    });
    expect(body.edgeSets.TRAVERSABLE).toContain('AWS_ASSUME_ROLE');
  });

  it('stats counts kinds, edges and providers', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/stats', headers: auth(f.tokens.reader) });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.kinds.AWSUser).toBe(2);
    expect(body.edges.CAN_ACCESS).toBe(3);
    expect(body.providers.aws).toBeGreaterThanOrEqual(7);
  });

  it('searches by name and id prefix with filters and paging', async () => {
    const byName = await f.app.inject({
      method: 'GET',
      url: '/api/v1/nodes?q=ali',
      headers: auth(f.tokens.reader),
    });
    expect(byName.json()).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(byName.json().items[0]).toMatchObject({ id: ALICE, kind: 'AWSUser', tierZero: true, pci: 71 });
    const byId = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes?q=${enc('arn:aws:iam::111111111111:user/')}&kind=AWSUser&limit=1`,
      headers: auth(f.tokens.reader),
    });
    expect(byId.json().total).toBe(2);
    expect(byId.json().items).toHaveLength(1);
    const roles = await f.app.inject({
      method: 'GET',
      url: '/api/v1/nodes?kind=AWSRole',
      headers: auth(f.tokens.reader),
    });
    expect(roles.json().items.map((n: { id: string }) => n.id)).toEqual([DEPLOY]);
    const azure = await f.app.inject({
      method: 'GET',
      url: '/api/v1/nodes?provider=azure',
      headers: auth(f.tokens.reader),
    });
    expect(azure.json().total).toBe(0);
  });

  it('node detail: granted vs used, findings, degree', async () => {
    const r = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc(ALICE)}`,
      headers: auth(f.tokens.reader),
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.node).toMatchObject({
      id: ALICE,
      kind: 'AWSUser',
      tierZero: true,
      pci: 71,
      pciLevel: 'high',
    });
    expect(body.access).toMatchObject({
      granted: 6,
      used: 2,
      unused: 4,
      highRiskGranted: 3,
      highRiskUnused: 2,
      usageKnown: true,
    });
    expect(body.access.services[0]).toMatchObject({
      service: 's3',
      actionCount: 4,
      usedCount: 2,
      lastUsed: '2026-10-01T00:00:00Z',
    });
    expect(body.findings.map((x: { fingerprint: string }) => x.fingerprint)).toEqual([FINDING_FP]);
    expect(body.findings[0].evidence).toEqual({ why: 'AdministratorAccess via devs' });
    expect(body.degree.out).toBeGreaterThan(0);
    const bob = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc(BOB)}`,
      headers: auth(f.tokens.reader),
    });
    // No usage data is not "unused".
    expect(bob.json().access).toMatchObject({ granted: 1, unused: 0, usageKnown: false });
  });

  it('node detail of a missing node is 404 in the envelope', async () => {
    const r = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc('arn:nope')}`,
      headers: auth(f.tokens.reader),
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });

  it('neighbourhood in Cytoscape elements with type, direction, depth and limit', async () => {
    const r = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc(BOB)}/neighbours?depth=2&direction=out&types=AWS_ASSUME_ROLE,AWS_ADD_TO_GROUP`,
      headers: auth(f.tokens.reader),
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const ids = body.elements.nodes.map((n: { data: { id: string } }) => n.data.id).sort();
    expect(ids).toEqual([BOB, DEPLOY, 'arn:aws:iam::111111111111:group/devs'].sort());
    const hop = body.elements.edges.find(
      (e: { data: { type: string } }) => e.data.type === 'AWS_ASSUME_ROLE',
    );
    expect(hop.data).toMatchObject({
      source: BOB,
      target: DEPLOY,
      category: 'escalation',
      technique: 'sts-001',
      derived: true,
    });
    expect(body.truncated).toBe(false);
    expect(body.countsByType).toMatchObject({ AWS_ASSUME_ROLE: 1, CAN_ACCESS: 1 });
    const limited = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc('arn:aws:iam::111111111111:root')}/neighbours?limit=2`,
      headers: auth(f.tokens.reader),
    });
    expect(limited.json().elements.nodes).toHaveLength(2);
    expect(limited.json().truncated).toBe(true);
    const bad = await f.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${enc(BOB)}/neighbours?types=NOT_A_TYPE`,
      headers: auth(f.tokens.reader),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/types/);
  });
});

describe('tokens', () => {
  it('creates, lists and revokes tokens; a revoked token is refused at once', async () => {
    const c = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth(f.tokens.admin),
      payload: { role: 'reader', name: 'temp' },
    });
    expect(c.statusCode).toBe(201);
    const t = c.json();
    expect(t.token).toMatch(/^pgt_/);
    const me = await f.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(t.token) });
    expect(me.json()).toMatchObject({ role: 'reader', tokenId: t.id, name: 'temp' });
    const list = await f.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth(f.tokens.admin) });
    const listed = list.json().items.find((x: { id: string }) => x.id === t.id);
    expect(listed).toMatchObject({ role: 'reader', name: 'temp', revoked: false });
    expect(JSON.stringify(list.json())).not.toContain(t.token);
    const stored = await f.graph.read('MATCH (t:PGToken {id: $id}) RETURN properties(t) AS p', { id: t.id });
    // The secret is everything after `pgt_<id>_` (base64url, so it may itself contain '_').
    const secret = t.token.slice(`pgt_${t.id}_`.length);
    expect(secret.length).toBeGreaterThan(40);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const del = await f.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${t.id}`,
      headers: auth(f.tokens.admin),
    });
    expect(del.json()).toEqual({ id: t.id, revoked: true });
    const after = await f.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(t.token) });
    expect(after.statusCode).toBe(401);
    const missing = await f.app.inject({
      method: 'DELETE',
      url: '/api/v1/tokens/nope',
      headers: auth(f.tokens.admin),
    });
    expect(missing.statusCode).toBe(404);
  });
});
