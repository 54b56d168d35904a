import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { loadSnapshotFile } from '../../ingest/load/loader.js';
import { applyDerived, ID, writeEstate } from '../helpers/analyses-estate.js';
import { BIN, type CliResult } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';

const NOW = new Date();
let graph: Graph;
let server: Server;
let hookUrl = '';
const received: unknown[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'pg-analyses-cli-'));

/** Spawns the CLI without blocking this process (the webhook server answers meanwhile). */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv({ PERMGRAPH_DATA_DIR: dir }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
  await loadSnapshotFile(graph, writeEstate(dir, NOW));
  await applyDerived(graph, NOW);
  let failFirst = true;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      // The first delivery fails with a 503 so the retry is exercised.
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await graph.close();
  await new Promise((r) => server.close(r));
});

describe('permgraph query / paths / scan / findings', () => {
  it('lists and runs saved queries, and refuses writes and unknown parameters', async () => {
    const list = await cli(['query', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBeGreaterThanOrEqual(40);
    const run = await cli(['query', 'roles-assumable-by-anyone', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { rows: { subjectId: string }[] }).rows.map((r) => r.subjectId),
    ).toEqual([ID.publicRole]);
    const csv = await cli([
      'query',
      'run',
      'shortest-path-from',
      '--param',
      `from=${ID.alice}`,
      '--format',
      'csv',
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toBe('subjectId,subjectName,targetId,targetName,hops,path');
    const write = await cli(['query', '--cypher', 'MATCH (n) DETACH DELETE n', '--json']);
    expect(write.code).toBe(2);
    expect(JSON.parse(write.stdout).error.code).toBe('QUERY_NOT_READ_ONLY');
    const bad = await cli(['query', 'dormant-identities', '--param', 'lookbackDays=soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/lookbackDays must be a int/);
  });

  it('prints an explained path to tier zero', async () => {
    const r = await cli(['paths', '--from', ID.alice, '--to', 'tier-zero']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alice -> deploy -> lambda-admin  (2 hops)');
    expect(r.stdout).toContain('--AWS_PASSROLE_VIA [lambda-001]-->');
    const j = await cli(['paths', '--from', ID.alice, '--to', ID.lambdaAdmin, '--json']);
    const first = JSON.parse(j.stdout)[0];
    expect(first.source.id).toBe(ID.alice);
    expect(first.target.id).toBe(ID.lambdaAdmin);
    expect(first.hops.map((h: { to: string }) => h.to)).toEqual([ID.deploy, ID.lambdaAdmin]);
    const missing = await cli(['paths', '--from', 'nobody', '--to', 'tier-zero']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nobody does not exist/);
  });

  it('scan: first run exits 3 on new high findings and posts the diff; an unchanged rerun exits 0', async () => {
    const reports = path.join(dir, 'reports');
    const first = await cli([
      'scan',
      '--fail-on',
      'high',
      '--webhook',
      hookUrl,
      '--report-dir',
      reports,
      '--format',
      'json',
    ]);
    expect(first.code).toBe(3);
    const body = JSON.parse(first.stdout) as {
      scan: string;
      new: { severity: string; queryId: string }[];
      resolved: unknown[];
    };
    expect(body.new.length).toBeGreaterThan(5);
    expect(body.new.map((f) => f.queryId)).toContain('roles-assumable-by-anyone');
    expect(received).toHaveLength(1);
    expect((received[0] as { scan: string }).scan).toBe(body.scan);
    expect(received[0]).toMatchObject({ truncated: false, counts: { new: body.new.length } });
    expect((received[0] as { new: unknown[] }).new).toHaveLength(body.new.length);
    for (const ext of ['json', 'sarif', 'md'])
      expect(existsSync(path.join(reports, `${body.scan}.${ext}`))).toBe(true);
    const sarif = JSON.parse(readFileSync(path.join(reports, `${body.scan}.sarif`), 'utf8'));
    expect(sarif.version).toBe('2.1.0');

    const second = await cli(['scan', '--fail-on', 'low', '--format', 'json', '--no-reports']);
    expect(second.code).toBe(0);
    const b2 = JSON.parse(second.stdout) as { new: unknown[]; resolved: unknown[]; previousScan: string };
    expect(b2.new).toEqual([]);
    expect(b2.resolved).toEqual([]);
    expect(b2.previousScan).toBe(body.scan);

    // With an input: the snapshot is imported first (already loaded, so nothing changes).
    const text = await cli(['scan', path.join(dir, 'analyses-estate-1.json'), '--no-reports']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('No new high-risk findings.');
    const badInput = await cli(['scan', path.join(dir, 'missing.json'), '--no-reports']);
    expect(badInput.code).toBe(4);
    expect(badInput.stderr).toMatch(/missing\.json: cannot open/);
  });

  it('findings in every format', async () => {
    const table = await cli(['findings', '--severity', 'critical']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('roles-assumable-by-anyone');
    const j = await cli(['findings', '--severity', 'high+', '--format', 'json']);
    const items = (JSON.parse(j.stdout) as { items: { severity: string }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.severity))).toEqual(new Set(['critical', 'high']));
    const csv = await cli(['findings', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'severity,status,queryId,title,provider,account,subjectId,subjectName,targetId,firstSeen,lastSeen,fingerprint',
    );
    const sarif = JSON.parse((await cli(['findings', '--format', 'sarif'])).stdout);
    expect(sarif.runs[0].results.length).toBe(csv.stdout.trim().split('\r\n').length - 1);
    const md = await cli(['findings', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^# permgraph findings/);
    const fresh = await cli(['findings', '--new', '--format', 'json']);
    expect(JSON.parse(fresh.stdout).items).toEqual([]);
    const badSev = await cli(['findings', '--severity', 'urgent']);
    expect(badSev.code).toBe(2);
  });
});
