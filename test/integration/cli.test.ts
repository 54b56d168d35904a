/** The foundation commands, run as a user runs them (built CLI, real Neo4j via NEO4J_URI). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { runCli } from '../helpers/cli.js';
import { cliEnv, testGraph } from '../helpers/graph.js';

let graph: Graph;
const env = () => cliEnv();
const dir = mkdtempSync(path.join(tmpdir(), 'pg-cli-'));

beforeAll(async () => {
  graph = testGraph();
  await graph.write('MATCH (n:Entity) WHERE n.scope = $s DETACH DELETE n', { s: 'aws:888888888888' });
});
afterAll(async () => graph.close());

function snapshotFor(account: string, scanId: string) {
  const s = JSON.parse(
    readFileSync('test/fixtures/snapshots/basic.json', 'utf8').replaceAll('111111111111', account),
  );
  s.scanId = scanId;
  const file = path.join(dir, `${scanId}.json`);
  writeFileSync(file, JSON.stringify(s));
  return file;
}

describe('permgraph CLI', () => {
  it('prints help that lists only working commands', () => {
    const r = runCli(['--help'], env());
    expect(r.code).toBe(0);
    for (const c of ['neo4j', 'import', 'stats', 'reset', 'demo']) expect(r.stdout).toContain(c);
  });

  it('imports a snapshot and reports counts as JSON; stats sees them', () => {
    const r = runCli(['import', snapshotFor('888888888888', 'cli-1'), '--json'], env());
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.loads[0]).toMatchObject({ scanId: 'cli-1', nodes: 8, edges: 8, alreadyLoaded: false });
    const s = runCli(['stats', '--json'], env());
    expect(s.code).toBe(0);
    const stats = JSON.parse(s.stdout);
    expect(stats.labels.AWSUser).toBeGreaterThanOrEqual(2);
    expect(stats.scopes.map((x: { id: string }) => x.id)).toContain('aws:888888888888');
  });

  it('refuses a bad snapshot with exit code 4, naming the JSON path, and changes nothing', async () => {
    const file = snapshotFor('888888888888', 'cli-bad');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    s.edges[2].target = 'nowhere';
    writeFileSync(file, JSON.stringify(s));
    const before = await graph.read('MATCH (n:Entity {scope: $s}) RETURN count(n) AS c', {
      s: 'aws:888888888888',
    });
    const r = runCli(['import', file], env());
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('$.edges[2].target');
    const after = await graph.read('MATCH (n:Entity {scope: $s}) RETURN count(n) AS c', {
      s: 'aws:888888888888',
    });
    expect(after).toEqual(before);
    const j = runCli(['import', file, '--json'], env());
    expect(JSON.parse(j.stdout).error.code).toBe('SNAPSHOT_INVALID');
  });

  it('refuses a file it does not recognise', () => {
    const file = path.join(dir, 'notes.json');
    writeFileSync(file, '{"hello": "world"}');
    const r = runCli(['import', file], env());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/notes\.json: not a recognised input/);
  });

  it('reset asks for confirmation, refuses without it off a terminal, and deletes one scope with --yes', async () => {
    const noYes = runCli(['reset', '--scope', 'aws:888888888888'], env());
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    const unknown = runCli(['reset', '--scope', 'aws:000000000001', '--yes'], env());
    expect(unknown.code).toBe(2);
    const r = runCli(['reset', '--scope', 'aws:888888888888', '--yes', '--json'], env());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).deleted.nodes).toBe(7);
    const left = await graph.read('MATCH (n:Entity {scope: $s}) RETURN count(n) AS c', {
      s: 'aws:888888888888',
    });
    expect(left[0]!.c).toBe(0);
  });

  it('reports a usage error with exit code 2', () => {
    const r = runCli(['reset'], env());
    expect(r.code).toBe(2);
    const bad = runCli(['import'], env());
    expect(bad.code).toBe(2);
  });

  it('neo4j status reports the external Neo4j when NEO4J_URI is set', () => {
    const r = runCli(
      ['neo4j', 'status', '--json', '--data-dir', path.join(dir, 'none'), '--port', '17999'],
      env(),
    );
    const out = JSON.parse(r.stdout);
    expect(out.running).toBe(false);
    expect(out.external).toMatch(/^bolt:\/\/127\.0\.0\.1:/);
  });
});
