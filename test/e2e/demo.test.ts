/**
 * The README's first command as a new user runs it: `permgraph demo` generates and scans an
 * estate, serves the API and explorer and prints the URL and an admin token; a second run
 * reuses the graph (no duplicate data) and prints a fresh token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { BIN } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';

interface DemoOutput {
  url: string;
  token: string;
  prepared: { scanned: boolean; seconds: number; findings: number };
}

let graph: Graph;
const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-demo-'));
const children: ChildProcess[] = [];

/** Starts `permgraph demo` and resolves with its JSON line once the server listens. */
function startDemo(): Promise<{ child: ChildProcess; out: DemoOutput }> {
  const child = spawn(process.execPath, [BIN, 'demo', '--size', 'XS', '--port', '0', '--json'], {
    env: cliEnv({ PERMGRAPH_DATA_DIR: dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += String(d);
      try {
        resolve({ child, out: JSON.parse(stdout) as DemoOutput });
      } catch {
        // not complete yet
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  return exited;
}

async function counts(): Promise<{ nodes: number; rels: number }> {
  const [r] = await graph.read(
    'MATCH (n:Entity) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels',
  );
  return { nodes: Number(r?.nodes), rels: Number(r?.rels) };
}

beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await graph.close();
});

describe('permgraph demo', () => {
  it('scans the demo estate, serves the API and explorer with an admin token, and reuses it on a second run', async () => {
    const first = await startDemo();
    expect(first.out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.out.prepared.scanned).toBe(true);
    expect(first.out.prepared.findings).toBeGreaterThan(0);
    const auth = { authorization: `Bearer ${first.out.token}` };
    const me = await fetch(`${first.out.url}/api/v1/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { role: string }).role).toBe('admin');
    const page = await fetch(`${first.out.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div');
    const planted = await fetch(`${first.out.url}/api/v1/nodes?q=pg0&limit=5`, { headers: auth });
    expect(((await planted.json()) as { total: number }).total).toBeGreaterThan(0);
    expect(await stop(first.child)).toBe(0);
    const before = await counts();

    const second = await startDemo();
    expect(second.out.prepared.scanned).toBe(false);
    expect(second.out.token).not.toBe(first.out.token);
    // The previous demo token was revoked; the new one works.
    const old = await fetch(`${second.out.url}/api/v1/me`, { headers: auth });
    expect(old.status).toBe(401);
    const fresh = await fetch(`${second.out.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${second.out.token}` },
    });
    expect(fresh.status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    expect(await counts()).toEqual(before);
  });
});
