/**
 * The AWS issue's acceptance run, as a user types it: import an authorization-details file,
 * `permgraph analyze`, then `permgraph paths --to tier-zero --format json` lists exactly the
 * principals that can reach admin (hop by hop, with technique ids) and none of the look-alikes
 * (a permissions boundary, an explicit deny, a trust that names someone else).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathJson } from '../../cli/commands/paths.js';
import type { Graph } from '../../cypher/db/graph.js';
import { runCli } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';

const A = '444444444444';
const arn = (s: string) => `arn:aws:iam::${A}:${s}`;
const FILE = 'test/fixtures/aws/auth-details-reach.json';

let graph: Graph;
beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
});
afterAll(async () => graph?.close());

describe('import -> analyze -> paths --to tier-zero (AWS)', () => {
  it('lists exactly the principals that reach admin, each hop with its technique', () => {
    const env = cliEnv();
    const imp = runCli(['import', FILE, '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
    const an = runCli(['analyze', '--json'], env);
    expect(an.code, an.stderr).toBe(0);
    expect(JSON.parse(an.stdout).analysis.findings).toBeGreaterThan(0);

    const r = runCli(['paths', '--to', 'tier-zero', '--format', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as PathJson[];
    const bySubject = new Map(res.map((p) => [p.source.id, p]));
    expect([...bySubject.keys()].sort()).toEqual(
      [arn('user/bob'), arn('user/carol'), arn('user/frank'), arn('user/ivan'), arn('role/ops')].sort(),
    );
    const techniques = (id: string) => bySubject.get(id)!.hops.map((h) => h.technique ?? h.type);
    expect(techniques(arn('user/bob'))).toEqual(['iam-007']);
    expect(techniques(arn('user/carol'))).toEqual(['sts-001', 'iam-009']);
    expect(techniques(arn('role/ops'))).toEqual(['iam-009']);
    expect(techniques(arn('user/ivan'))).toEqual(['iam-013']);
    expect(techniques(arn('user/frank'))).toEqual(['sts-001']);
    // Shortest first; every element names its source and tier-zero target.
    expect(res.map((p) => p.length)).toEqual([...res.map((p) => p.length)].sort((a, b) => a - b));
    expect(bySubject.get(arn('user/bob'))!.target).toMatchObject({ provider: 'aws', kind: 'AWSAdmin' });
    for (const p of res) {
      for (const h of p.hops) {
        expect(h.reason.length).toBeGreaterThan(10);
        expect(h.grantedBy, `${h.from} -> ${h.to}`).toBeTruthy();
      }
    }
    // The table form says the same in words.
    const table = runCli(['paths', '--to', 'tier-zero'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('[iam-009]');
    for (const lookAlike of ['dave', 'erin', 'harry']) expect(table.stdout).not.toContain(`${lookAlike} ->`);
    expect(table.stderr).not.toContain('stopped at --limit');
    // A limit below the answer says so, and keeps the first principals by id.
    const cut = runCli(['paths', '--to', 'tier-zero', '--limit', '2', '--format', 'json'], env);
    expect(cut.code, cut.stderr).toBe(0);
    expect(JSON.parse(cut.stdout)).toHaveLength(2);
    expect(cut.stderr).toContain('stopped at --limit 2 principals');
  });
});
