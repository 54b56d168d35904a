/**
 * The API over real HTTP against the real Neo4j: listening, encoded ids, uploads (raw and
 * multipart) with progress over server-sent events, limits, rate limiting, CORS off, the
 * static explorer with SPA fallback, readiness when Neo4j is gone, secrets kept out of logs,
 * and the `permgraph serve` / `permgraph token` commands as a user runs them.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../cypher/db/graph.js';
import { buildApp, loggerOptions } from '../../server/app.js';
import { type RunningServer, startServer } from '../../server/server.js';
import { createToken } from '../../server/tokens.js';
import { BIN, type CliResult } from '../helpers/cli.js';
import { cliEnv } from '../helpers/graph.js';
import { ALICE, type ApiFixture, apiFixture, auth } from './api-helpers.js';

let f: ApiFixture;
let server: RunningServer;
let base: string;
const logStream = new PassThrough();
let logText = '';
logStream.on('data', (c: Buffer) => {
  logText += c.toString('utf8');
});

const snapshot = readFileSync(path.resolve('examples/aws-example.snapshot.json'), 'utf8');

beforeAll(async () => {
  f = await apiFixture();
  server = await startServer({
    graph: f.graph,
    port: 0,
    config: { rateLimit: 0, webDist: null, importLimit: 64 * 1024, logLevel: 'info' },
  });
  base = server.url;
  // Route the server log into the test (the app was built with the default stderr logger).
  server.app.log.info('test started');
});
afterAll(async () => {
  await server?.close();
  await f?.close();
});

/**
 * Runs the CLI without blocking this process: the API in this process keeps serving (and
 * committing its own transactions) while the command runs.
 */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies checked field by field
async function json(r: Response): Promise<any> {
  return r.json();
}

async function readEvents(url: string, token: string): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url, { headers: auth(token) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event:'))
    .map((b) => {
      const [e, d] = b.split('\n');
      return { event: e!.slice('event: '.length), data: JSON.parse(d!.slice('data: '.length)) };
    });
}

describe('over HTTP', () => {
  it('binds 127.0.0.1 by default and answers health without a token', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${base}/api/v1/health`);
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ status: 'ok', neo4j: true });
  });

  it('serves node detail for an URL-encoded ARN and refuses a missing token', async () => {
    const r = await fetch(`${base}/api/v1/nodes/${encodeURIComponent(ALICE)}`, {
      headers: auth(f.tokens.reader),
    });
    expect(r.status).toBe(200);
    expect((await json(r)).node.id).toBe(ALICE);
    const anon = await fetch(`${base}/api/v1/nodes/${encodeURIComponent(ALICE)}`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(anon)).error.code).toBe('UNAUTHORIZED');
  });

  it('sends no CORS headers (CORS is off)', async () => {
    const pre = await fetch(`${base}/api/v1/nodes`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await fetch(`${base}/api/v1/me`, {
      headers: { ...auth(f.tokens.reader), origin: 'https://evil.example' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('imports a raw JSON upload and streams progress, then done', async () => {
    const r = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
      body: snapshot,
    });
    expect(r.status).toBe(202);
    const { id, events } = await json(r);
    expect(events).toBe(`/api/v1/scans/${id}/events`);
    const evs = await readEvents(`${base}${events}`, f.tokens.admin);
    expect(evs[0]).toMatchObject({ event: 'progress', data: { stage: 'start' } });
    expect(evs.some((e) => e.event === 'progress' && (e.data as { stage: string }).stage !== 'start')).toBe(
      true,
    );
    const last = evs.at(-1)!;
    expect(last.event).toBe('done');
    expect(last.data).toMatchObject({ scans: ['example-aws-1'] });
    // A reader may not follow admin jobs.
    expect((await fetch(`${base}${events}`, { headers: auth(f.tokens.reader) })).status).toBe(403);
  });

  it('imports a multipart upload', async () => {
    const form = new FormData();
    const changed = snapshot.replace('"example-aws-1"', '"example-aws-2"');
    form.append('file', new Blob([changed], { type: 'application/json' }), 'estate.json');
    const r = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: auth(f.tokens.admin),
      body: form,
    });
    expect(r.status).toBe(202);
    const { events } = await json(r);
    const evs = await readEvents(`${base}${events}`, f.tokens.admin);
    expect(evs.at(-1)).toMatchObject({ event: 'done', data: { scans: ['example-aws-2'] } });
  });

  it('reports a bad upload as an error naming the problem, and an oversized one as 413', async () => {
    const junk = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(junk.status).toBe(400);
    expect((await json(junk)).error.code).toBe('INPUT_UNRECOGNIZED');
    const broken = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
      body: snapshot.replace('"kind": "AWSUser"', '"kind": "NotAKind"'),
    });
    expect(broken.status).toBe(202);
    const evs = await readEvents(`${base}${(await json(broken)).events}`, f.tokens.admin);
    expect(evs.at(-1)).toMatchObject({ event: 'error', data: { code: 'SNAPSHOT_INVALID' } });
    expect((evs.at(-1)!.data as { message: string }).message).toMatch(/\$\.nodes\[\d+\]/);
    const big = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...auth(f.tokens.admin), 'content-type': 'application/json' },
      body: `{"schemaVersion":"1.0","pad":"${'x'.repeat(100 * 1024)}"}`,
    });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('PAYLOAD_TOO_LARGE');
    const bigBody = await fetch(`${base}/api/v1/cypher`, {
      method: 'POST',
      headers: { ...auth(f.tokens.analyst), 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'RETURN 1', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(bigBody.status).toBe(413);
    expect((await json(bigBody)).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('limits, static files, readiness, logs', () => {
  it('rate limits per token with 429 in the envelope', async () => {
    const app = await buildApp({ graph: f.graph, config: { rateLimit: 3, webDist: null } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(f.tokens.reader) })).statusCode,
      );
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const r = await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(f.tokens.reader) });
    expect(r.json().error.code).toBe('RATE_LIMITED');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // Another token has its own budget.
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(f.tokens.admin) })).statusCode,
    ).toBe(200);
    await app.close();
  });

  it('serves the built explorer at / with SPA fallback, never for /api', async () => {
    const dist = mkdtempSync(path.join(tmpdir(), 'pg-web-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>permgraph explorer</title>');
    writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    const app = await buildApp({ graph: f.graph, config: { rateLimit: 0, webDist: dist } });
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('permgraph explorer');
    const asset = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const deep = await app.inject({
      method: 'GET',
      url: '/explore/node/x',
      headers: { accept: 'text/html' },
    });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('permgraph explorer');
    const api = await app.inject({
      method: 'GET',
      url: '/api/v1/nope',
      headers: { accept: 'text/html', ...auth(f.tokens.reader) },
    });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('NOT_FOUND');
    const anon = await app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(anon.statusCode).toBe(401);
    await app.close();
  });

  it('reports degraded readiness and 503 when Neo4j does not answer', async () => {
    const driver = neo4j.driver('bolt://127.0.0.1:1', neo4j.auth.basic('neo4j', 'x'), {
      connectionTimeout: 1000,
      maxTransactionRetryTime: 0,
      logging: { level: 'error', logger: () => {} },
    });
    const dead = new Graph(driver, 'neo4j', 'bolt://127.0.0.1:1');
    const app = await buildApp({ graph: dead, config: { rateLimit: 0, webDist: null } });
    const h = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(h.statusCode).toBe(503);
    expect(h.json()).toMatchObject({ status: 'degraded', neo4j: false });
    const r = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: auth('pgt_0123456789abcdef_' + 'A'.repeat(43)),
    });
    expect(r.statusCode).toBe(503);
    expect(r.json().error).toMatchObject({ code: 'GRAPH_UNAVAILABLE' });
    expect(r.body).not.toMatch(/127\.0\.0\.1:1|ECONNREFUSED|MATCH/);
    await app.close();
    await dead.close();
  });

  it('keeps tokens and Cypher out of the log', async () => {
    const app = await buildApp({
      graph: f.graph,
      config: { rateLimit: 0, webDist: null },
      logger: loggerOptions('debug', logStream),
    });
    await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(f.tokens.admin) });
    await app.inject({ method: 'GET', url: '/api/v1/nodes', headers: auth(`${f.tokens.admin}x`) });
    await app.inject({
      method: 'POST',
      url: '/api/v1/cypher',
      headers: auth(f.tokens.analyst),
      payload: { query: 'MATCH (n) DETACH DELETE n' },
    });
    await app.close();
    expect(logText).toContain('incoming request');
    for (const t of Object.values(f.tokens)) expect(logText).not.toContain(t);
    expect(logText).not.toContain('DETACH DELETE');
    expect(logText).not.toMatch(/authorization/i);
  });
});

describe('the permgraph command', () => {
  it('token create --json prints the token; list and revoke work', async () => {
    const env = cliEnv();
    const c = await runCli(['token', 'create', '--role', 'admin', '--name', 'ci', '--json'], env);
    expect(c.code, c.stderr).toBe(0);
    const created = JSON.parse(c.stdout);
    expect(created.token).toMatch(/^pgt_[0-9a-f]{16}_/);
    const me = await fetch(`${base}/api/v1/me`, { headers: auth(created.token) });
    expect(await json(me)).toMatchObject({ role: 'admin', name: 'ci' });
    const l = await runCli(['token', 'list', '--json'], env);
    expect(JSON.parse(l.stdout).items.find((t: { id: string }) => t.id === created.id)).toMatchObject({
      role: 'admin',
    });
    expect(l.stdout).not.toContain(created.token);
    const r = await runCli(['token', 'revoke', created.id, '--json'], env);
    expect(r.code).toBe(0);
    expect((await runCli(['token', 'create', '--role', 'root', '--json'], env)).code).toBe(2);
  });

  it('serve listens on 127.0.0.1, answers, and shuts down cleanly on SIGTERM', async () => {
    const token = (await createToken(f.graph, 'reader', 'serve test')).token;
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...cliEnv(), PERMGRAPH_API_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /permgraph API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    const r = await fetch(`${url}/api/v1/me`, { headers: auth(token) });
    expect(r.status).toBe(200);
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(token);
  });
});
