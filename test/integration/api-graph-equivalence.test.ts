/**
 * Node detail and neighbourhood, now one auto-commit statement each with the access summary
 * computed in Neo4j, give exactly what the earlier multi-query reads gave
 * (test/helpers/graph-repo-reference.ts), on every node of the API fixture estate plus edge
 * cases written here: several CAN_ACCESS edges for one service, actions differing only in case,
 * used actions outside the granted ones, missing counts and services, non-string lists,
 * findings reached by subject, target and path, datetimes, and parallel relationships.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { type NeighbourOptions, neighbours, nodeDetail } from '../../server/graph-repo.js';
import { testGraph } from '../helpers/graph.js';
import { referenceNeighbours, referenceNodeDetail } from '../helpers/graph-repo-reference.js';
import { ACCOUNT, ALICE, BOB, DEPLOY, DEVS, ROOT, seedEstate } from './api-helpers.js';

let graph: Graph;

beforeAll(async () => {
  graph = testGraph();
  await seedEstate(graph);
  await graph.write(
    `MATCH (a:Entity {id: $alice}), (b:Entity {id: $bob}), (d:Entity {id: $deploy}), (g:Entity {id: $devs}),
           (root:Entity {id: $root})
     SET d.usageKnown = true, d.serviceUsage = '{"ec2":"2026-09-01T00:00:00Z","*":"2026-08-01T00:00:00Z"}',
         d.firstSeen = datetime('2026-01-02T03:04:05.678+02:00'), d.createDate = datetime('1999-12-31T23:59:59.999999999Z')
     CREATE (d)-[:CAN_ACCESS {service: 'ec2', key: 'ec2-a', derived: true,
             actions: ['ec2:RunInstances', 'EC2:runinstances', 'ec2:DescribeInstances'], actionCount: 2,
             highRiskActions: ['ec2:RunInstances'], highRiskCount: 1,
             usedActions: ['ec2:runinstances', 'ec2:StopInstances'], usageKnown: true,
             lastUsed: datetime('2026-09-01T00:00:00Z')}]->(root)
     CREATE (d)-[:CAN_ACCESS {service: 'ec2', key: 'ec2-b', derived: true,
             actions: ['ec2:TerminateInstances', 'ec2:DescribeInstances'], actionCount: 7,
             highRiskActions: ['EC2:TerminateInstances', 'ec2:RunInstances'], usedActions: ['ec2:RunInstances'],
             usageKnown: true}]->(g)
     CREATE (d)-[:CAN_ACCESS {key: 'no-service', derived: true, actions: ['sts:GetCallerIdentity'],
             usedActions: [1, 2]}]->(root)
     CREATE (d)-[:CAN_ACCESS {service: 'kms', key: 'kms', derived: true, actions: 'kms:Decrypt',
             actionCount: 3, highRiskCount: 5}]->(a)
     CREATE (b)-[:AWS_ASSUME_ROLE {technique: 'sts-002', key: 'sts-002', derived: true,
             reason: 'a second way to assume deploy', conditional: true}]->(d)
     CREATE (f1:PGFinding {fingerprint: 'fp-eq-target', queryId: 'q-target', title: 'Deploy is a target',
             severity: 'medium', severityRank: 2, subjectId: $bob, subjectName: 'bob', targetId: $deploy,
             provider: 'aws', account: $account, scope: 'aws:' + $account, status: 'new',
             evidence: 'not json', path: [$bob, $deploy], pathText: '|' + $bob + '|' + $deploy + '|',
             firstSeen: datetime('2026-11-01T10:00:00.123456+05:30'), lastSeen: datetime('2026-11-03T00:00:00Z')})
     CREATE (f2:PGFinding {fingerprint: 'fp-eq-path', queryId: 'q-path', title: 'Deploy is on a path',
             severity: 'low', subjectId: $alice, provider: 'aws', status: 'open',
             evidence: '{"hops":2}', path: [$alice, $deploy, $devs],
             pathText: '|' + $alice + '|' + $deploy + '|' + $devs + '|',
             firstSeen: '2026-10-01', lastSeen: datetime('2026-11-03T00:00:00Z')})`,
    { alice: ALICE, bob: BOB, deploy: DEPLOY, devs: DEVS, root: ROOT, account: ACCOUNT },
  );
});

afterAll(async () => {
  await graph?.close();
});

/** Same value and the same JSON (key order included) as the reference gives. */
async function expectSame(current: () => Promise<unknown>, reference: () => Promise<unknown>) {
  const settle = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (err: { code?: string; message?: string }) => ({ error: { code: err.code, message: err.message } }),
    );
  const [a, b] = await Promise.all([settle(current()), settle(reference())]);
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  return a;
}

async function allIds(): Promise<string[]> {
  const rows = await graph.read('MATCH (n:Entity) RETURN n.id AS id ORDER BY id');
  return [...rows.map((r) => String(r.id)), 'arn:aws:iam::111111111111:user/nobody'];
}

describe('node detail and neighbourhood match the reference reads', () => {
  it('node detail of every node, including the edge cases', async () => {
    const ids = await allIds();
    expect(ids.length).toBeGreaterThan(8);
    for (const id of ids)
      await expectSame(
        () => nodeDetail(graph, id, 30_000),
        () => referenceNodeDetail(graph, id, 30_000),
      );
    // The edge cases reached the summary: two ec2 edges merged case-insensitively, '*' for no service.
    const deploy = await nodeDetail(graph, DEPLOY, 30_000);
    expect(deploy.access.services.map((s) => s.service).sort()).toEqual(['*', 'ec2', 'kms']);
    expect(deploy.access.services.find((s) => s.service === 'ec2')).toMatchObject({
      actionCount: 7,
      highRiskCount: 2,
      usedCount: 2,
      lastUsed: '2026-09-01T00:00:00Z',
    });
    expect(deploy.findings.map((f) => f.fingerprint)).toEqual(['fp-eq-target', 'fp-eq-path']);
    expect(deploy.findings[0]).toMatchObject({
      firstSeen: '2026-11-01T04:30:00.123Z',
      evidence: { text: 'not json' },
    });
    expect(deploy.findings[1]).toMatchObject({
      firstSeen: '2026-10-01',
      lastSeen: '2026-11-03T00:00:00.000Z',
    });
    expect(deploy.node.properties.createDate).toBe('1999-12-31T23:59:59.999Z');
  });

  it('neighbourhood of every node, at every depth and direction, with type filters and limits', async () => {
    const ids = await allIds();
    const variants: Omit<NeighbourOptions, 'timeoutMs'>[] = [];
    for (const depth of [1, 2, 3])
      for (const direction of ['both', 'out', 'in'] as const)
        for (const limit of [1, 2, 3, 200]) variants.push({ depth, direction, limit, types: [] });
    variants.push({ depth: 2, direction: 'both', limit: 200, types: ['AWS_ASSUME_ROLE', 'CAN_ACCESS'] });
    variants.push({ depth: 3, direction: 'out', limit: 4, types: ['AWS_ASSUME_ROLE', 'AWS_ADD_TO_GROUP'] });
    let truncated = 0;
    let edges = 0;
    for (const id of ids)
      for (const v of variants) {
        const o = { ...v, timeoutMs: 30_000 };
        const r = (await expectSame(
          () => neighbours(graph, id, o),
          () => referenceNeighbours(graph, id, o),
        )) as {
          value?: { truncated: boolean; elements: { edges: unknown[] } };
        };
        if (r.value?.truncated) truncated++;
        edges += r.value?.elements.edges.length ?? 0;
      }
    // The variants did exercise truncation and real expansions.
    expect(truncated).toBeGreaterThan(10);
    expect(edges).toBeGreaterThan(100);
    const bob = await neighbours(graph, BOB, {
      depth: 1,
      direction: 'out',
      limit: 200,
      types: [],
      timeoutMs: 30_000,
    });
    expect(
      bob.elements.edges
        .filter((e) => e.data.target === DEPLOY)
        .map((e) => e.data.technique)
        .sort(),
    ).toEqual(['sts-001', 'sts-002']);
  });
});
