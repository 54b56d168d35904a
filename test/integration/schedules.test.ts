/**
 * Scheduled scans in the API server: a schedule with a cron of every second against a small
 * authorization-details file runs as scan jobs, one at a time; the scans appear in GET /scans,
 * the job streams its progress, GET /schedules reports it, and a local webhook receiver gets the
 * new findings of the first run only.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import '../../cli/providers.js';
import { type RunningServer, startServer } from '../../server/server.js';
import { createToken } from '../../server/tokens.js';
import { ADMIN, writeAuthDetails } from '../helpers/auth-details.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

const A = '333333333333';
const ALICE = `arn:aws:iam::${A}:user/alice`;

interface Hook {
  url: string;
  bodies: Record<string, unknown>[];
  close(): Promise<void>;
}

async function webhookReceiver(): Promise<Hook> {
  const bodies: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let graph: Graph;
let hook: Hook;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
  token = (await createToken(graph, 'admin', 'schedules-test')).token;
  hook = await webhookReceiver();
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-schedule-'));
  const input = writeAuthDetails(A, [{ name: 'alice', statements: ADMIN }, { name: 'bob' }], dir);
  const file = path.join(dir, 'schedules.json');
  writeFileSync(
    file,
    JSON.stringify({
      schedules: [
        {
          name: 'every-second',
          cron: '* * * * * *',
          inputs: [path.basename(input)],
          webhook: hook.url,
          minSeverity: 'high',
          queries: ['shadow-admins', 'admin-wildcard-access', 'inline-policies'],
        },
      ],
    }),
  );
  server = await startServer({
    graph,
    port: 0,
    config: { scheduleFile: file, logLevel: 'silent', rateLimit: 0, webDist: null },
  });
});

afterAll(async () => {
  await server?.close();
  await hook?.close();
  await graph?.close();
});

const get = async (url: string) => {
  const res = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
};

describe('scheduled scans', () => {
  it('runs every second, one run at a time; the webhook gets the new findings once', async () => {
    interface Sched {
      name: string;
      cron: string;
      nextRun: string | null;
      runs: number;
      running: boolean;
      lastRun: { status: string; job: string | null; scan: string | null; error: string | null } | null;
    }
    let sched: Sched | undefined;
    const deadline = Date.now() + 240_000;
    // Run 3 has started only when runs 1 and 2 are over.
    while (Date.now() < deadline) {
      const r = await get('/api/v1/schedules');
      expect(r.status).toBe(200);
      sched = (JSON.parse(r.text) as { items: Sched[] }).items[0];
      if (sched?.lastRun?.status === 'failed')
        throw new Error(`scheduled run failed: ${sched.lastRun.error}`);
      if ((sched?.runs ?? 0) >= 3) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(sched?.runs).toBeGreaterThanOrEqual(3);
    expect(sched?.name).toBe('every-second');
    expect(sched?.cron).toBe('* * * * * *');
    expect(Date.parse(sched?.nextRun ?? '')).toBeGreaterThan(Date.now() - 5_000);
    expect(sched?.lastRun?.job ?? '').toMatch(/^[0-9a-f-]{36}$/);

    // The job of the current run streams its progress, ending with done and the scan id.
    const events = await get(`/api/v1/scans/${sched!.lastRun!.job}/events`);
    expect(events.status).toBe(200);
    expect(events.text).toContain('scheduled scan \\"every-second\\"');
    expect(events.text).toMatch(/event: done\ndata: \{"schedule":"every-second","scan":"analysis-/);

    // The scans are in GET /scans, and no two overlapped.
    const scans = JSON.parse((await get('/api/v1/scans?limit=50')).text) as {
      items: { id: string; startedAt: string; finishedAt: string; status: string; findingsNew: number }[];
    };
    const done = scans.items.filter((s) => s.status === 'complete').reverse();
    expect(done.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < done.length; i++)
      expect(Date.parse(done[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.finishedAt));
    expect(done[0]!.findingsNew).toBeGreaterThan(0);
    expect(done[1]!.findingsNew).toBe(0);

    // The webhook got the first run's high-risk findings, and nothing from the later runs.
    expect(hook.bodies).toHaveLength(1);
    const body = hook.bodies[0] as {
      schedule: string;
      scan: string;
      minSeverity: string;
      new: { subjectId: string; severity: string; queryId: string }[];
    };
    expect(body.schedule).toBe('every-second');
    expect(body.scan).toBe(done[0]!.id);
    expect(body.minSeverity).toBe('high');
    expect(body.new.map((f) => [f.queryId, f.subjectId])).toEqual([['shadow-admins', ALICE]]);
    expect(body.new.every((f) => f.severity === 'high' || f.severity === 'critical')).toBe(true);
  });
});
