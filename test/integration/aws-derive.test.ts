/**
 * AWS derive against the real Neo4j: load the planted estate, derive, and assert exactly the
 * expected escalation edges, tier-zero nodes and CAN_ACCESS rows; then rerun idempotence,
 * skip-when-unchanged, and that derive never touches collected data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { EdgeSets } from '../../cypher/schema/index.js';
import { awsProvider } from '../../ingest/aws/index.js';
import { loadSnapshotFile } from '../../ingest/load/loader.js';
import { A, EXPECTED, EXPECTED_TIER_ZERO, ids, plantedSnapshot } from '../fixtures/aws/planted.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

const { user, role } = ids;
const log = () => {};

const key = (r: (string | boolean)[]) => r.join(' | ');

let graph: Graph;
let firstMs = 0;
beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-aws-derive-'));
  const file = path.join(dir, 'planted.json');
  writeFileSync(file, JSON.stringify(plantedSnapshot()));
  await loadSnapshotFile(graph, file);
  const t0 = Date.now();
  const r = await awsProvider.derive!(graph, { force: true, log });
  firstMs = Date.now() - t0;
  console.log(
    `[aws-derive] planted fixture: ${r.edges} derived edges, ${r.tierZero} tier-zero in ${firstMs} ms`,
  );
});
afterAll(async () => graph?.close());

async function escalationRows(): Promise<string[]> {
  const rows = await graph.read(
    `MATCH (a:Entity)-[r]->(b:Entity) WHERE type(r) IN $types AND r.derived = true
     RETURN type(r) AS t, a.id AS s, b.id AS d, r.technique AS tech, r.conditional AS c`,
    { types: [...EdgeSets.ESCALATION] },
  );
  return rows
    .map((r) => key([r.t as string, r.s as string, r.d as string, r.tech as string, Boolean(r.c)]))
    .sort();
}

async function counts(): Promise<Record<string, number>> {
  const rows = await graph.read(
    `MATCH ()-[r]->() RETURN type(r) + CASE WHEN r.derived THEN ':derived' ELSE '' END AS t, count(*) AS c`,
  );
  const nodes = await graph.read('MATCH (n:Entity) RETURN count(n) AS c');
  return { nodes: Number(nodes[0]?.c), ...Object.fromEntries(rows.map((r) => [r.t as string, Number(r.c)])) };
}

describe('aws derive on the planted estate', () => {
  it('writes exactly the expected escalation edges, and none for the look-alikes', async () => {
    expect(await escalationRows()).toEqual(EXPECTED.map(key).sort());
    const lookalikes = ['denied-dan', 'bounded-bob', 'passer-ec2-only', 'xnope'].map((n) => user(A, n));
    lookalikes.push(role(A, 'scp-blocked'));
    const rows = await graph.read(
      `MATCH (a:Entity)-[r]->() WHERE a.id IN $ids AND type(r) IN $types RETURN count(r) AS c`,
      { ids: lookalikes, types: [...EdgeSets.ESCALATION] },
    );
    expect(Number(rows[0]?.c)).toBe(0);
  });

  it('marks exactly the expected tier-zero nodes, with reasons', async () => {
    const rows = await graph.read(
      'MATCH (n:Entity) WHERE n.tierZero = true RETURN n.id AS id, n.tierZeroReason AS why ORDER BY id',
    );
    expect(rows.map((r) => r.id).sort()).toEqual(EXPECTED_TIER_ZERO);
    for (const r of rows) expect(String(r.why)).toMatch(/^aws-/);
  });

  it('derived edges carry what a path hop needs', async () => {
    const rows = await graph.read(
      `MATCH (a:Entity {id: $id})-[r:AWS_PUT_INLINE_POLICY]->(b) RETURN r.reason AS reason, r.grantedBy AS g,
         r.conditional AS c, r.derived AS d, r.deriveRun AS run, r.technique AS t`,
      { id: role(A, 'self-putter') },
    );
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.t).toBe('iam-005');
    expect(String(r.reason)).toContain('self-putter');
    expect(r.c).toBe(false);
    expect(r.d).toBe(true);
    expect(String(r.run)).toMatch(/^aws-/);
    expect(JSON.parse(String(r.g))).toEqual([
      { policy: `${role(A, 'self-putter')}#inline:p0`, statement: '0', action: 'iam:PutRolePolicy' },
    ]);
    const cond = await graph.read(
      `MATCH (a:Entity {id: $id})-[r:AWS_EDIT_POLICY]->() RETURN r.conditions AS c`,
      { id: user(A, 'mfa-mary') },
    );
    expect(JSON.parse(String(cond[0]?.c))).toEqual([
      { operator: 'Bool', key: 'aws:MultiFactorAuthPresent', values: 'true' },
    ]);
  });

  it('writes effective access per principal and service, with usage', async () => {
    const rows = await graph.read(
      `MATCH (p:Entity)-[r:CAN_ACCESS]->(t:Entity) WHERE p.id IN $ids
       RETURN p.id AS p, t.id AS t, r.service AS service, r.actions AS actions, r.usedActions AS used,
              r.usageKnown AS known, r.allResources AS all, r.resources AS resources, r.highRiskCount AS high
       ORDER BY p, service`,
      { ids: [user(A, 'passer'), role(A, 'deploy'), user(A, 'admin-alice')] },
    );
    const root = `arn:aws:iam::${A}:root`;
    expect(rows.map((r) => [r.p, r.t, r.service, [...(r.actions as string[])].sort()])).toEqual([
      [role(A, 'deploy'), root, 's3', ['s3:GetObject', 's3:PutObject']],
      [user(A, 'admin-alice'), root, '*', expect.any(Array)],
      [user(A, 'passer'), root, 'iam', ['iam:PassRole']],
      [user(A, 'passer'), root, 'lambda', ['lambda:CreateFunction', 'lambda:InvokeFunction']],
    ]);
    const deploy = rows[0]!;
    expect(deploy.resources).toEqual(['arn:aws:s3:::builds/*']);
    expect(deploy.all).toBe(false);
    expect(deploy.known).toBe(false);
    const lambda = rows[3]!;
    expect(lambda.used).toEqual(['lambda:CreateFunction']);
    expect(lambda.known).toBe(true);
    expect(Number(lambda.high)).toBe(2);
    expect(rows[1]!.all).toBe(true);
  });

  it('reruns idempotently, skips unchanged input, and never touches collected data', async () => {
    const before = await counts();
    const skipped = await awsProvider.derive!(graph, { log });
    expect(skipped.skipped).toBe(true);
    const again = await awsProvider.derive!(graph, { force: true, log });
    expect(again.skipped).toBeFalsy();
    const after = await counts();
    expect(after).toEqual(before);
    expect(await escalationRows()).toEqual(EXPECTED.map(key).sort());
    // Collected relationships are all still there, none marked derived.
    const snap = plantedSnapshot();
    const collected = Object.entries(after).filter(([k]) => !k.endsWith(':derived') && k !== 'nodes');
    expect(collected.reduce((n, [, c]) => n + c, 0)).toBe(snap.edges.length);
  });
});
