/**
 * AWS authorization details and collection directories imported into the real Neo4j: counts,
 * idempotent re-import, and a partial account that keeps its previous data.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { graphStats } from '../../cypher/stats.js';
import { awsProvider } from '../../ingest/aws/index.js';
import { importFiles, registerProvider } from '../../ingest/pipeline.js';
import { graphDump } from '../helpers/fingerprint.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

registerProvider(awsProvider);

const FIX = 'test/fixtures/aws';
const A = '111111111111';
const B = '222222222222';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'pg-awsint-'));
let clock = Date.parse('2026-12-01T00:00:00Z');
const opts = () => {
  clock += 60_000;
  return { log: () => {}, skipDerive: true, now: new Date(clock) };
};

let graph: Graph;
beforeAll(async () => {
  process.env.PERMGRAPH_DATA_DIR = tmp();
  graph = testGraph();
  await resetGraph(graph);
});
afterAll(async () => graph.close());

describe('AWS import into Neo4j', () => {
  it('imports two accounts of authorization details with the expected counts', async () => {
    const r = await importFiles(
      graph,
      [`${FIX}/auth-details-basic.json`, `${FIX}/auth-details-second-account.json`],
      opts(),
    );
    expect(r.loads.map((l) => l.scopes[0]!.id)).toEqual([`aws:${A}`, `aws:${B}`]);
    const s = await graphStats(graph);
    expect(s.labels).toMatchObject({
      AWSUser: 2,
      AWSGroup: 2,
      AWSRole: 4,
      AWSPolicy: 4,
      AWSInlinePolicy: 3,
      AWSInstanceProfile: 1,
      AWSServicePrincipal: 2,
      AWSIdentityProvider: 2,
      AWSExternalPrincipal: 1,
      AWSAccount: 3,
      AWSAdmin: 2,
    });
    expect(s.relationships).toMatchObject({
      AWS_MEMBER_OF: 3,
      AWS_TRUSTS: 9,
      AWS_HAS_BOUNDARY: 2,
      AWS_PROFILE_HAS_ROLE: 1,
    });
    // the cross-account stub became the collected role of the second account
    const ci = await graph.read(
      `MATCH (r:AWSRole {id: $id}) RETURN r.stub AS stub, r.roleId AS roleId, r.scope AS scope`,
      {
        id: `arn:aws:iam::${B}:role/ci`,
      },
    );
    expect(ci).toEqual([{ stub: null, roleId: 'AROACI', scope: `aws:${B}` }]);
    const trusts = await graph.read(
      `MATCH (:AWSRole {id: $id})-[t:AWS_TRUSTS]->(p:AWSRole) RETURN p.id AS p, t.action AS a`,
      { id: `arn:aws:iam::${B}:role/ci` },
    );
    expect(trusts).toEqual([{ p: `arn:aws:iam::${A}:role/deploy`, a: 'sts:AssumeRole' }]);
  });

  it('re-importing the same files changes nothing', async () => {
    const ignore = ['lastSeen', 'lastSeenScan', 'firstSeen'];
    const before = await graphDump(graph, { ignore });
    await importFiles(
      graph,
      [`${FIX}/auth-details-basic.json`, `${FIX}/auth-details-second-account.json`],
      opts(),
    );
    const after = await graphDump(graph, { ignore });
    expect(after).toEqual(before);
  });

  it('a partial account keeps its previous data; a complete one drops what is gone', async () => {
    const dir = tmp();
    cpSync(`${FIX}/collection`, dir, { recursive: true });
    // account B lost its role in this (partial) collection; account A lost bob (complete)
    const bAuth = path.join(dir, 'accounts', B, 'authorization-details.json');
    const b = JSON.parse(readFileSync(bAuth, 'utf8'));
    b.RoleDetailList = [];
    writeFileSync(bAuth, JSON.stringify(b));
    const aAuth = path.join(dir, 'accounts', A, 'authorization-details.json');
    const a = JSON.parse(readFileSync(aAuth, 'utf8'));
    a.UserDetailList = a.UserDetailList.filter((u: { UserName: string }) => u.UserName !== 'bob');
    writeFileSync(aAuth, JSON.stringify(a));
    const r = await importFiles(graph, [dir], opts());
    expect(r.loads.map((l) => l.scopes[0])).toEqual([
      { id: 'aws:o-a1b2c3d4e5', complete: true },
      { id: `aws:${A}`, complete: true },
      { id: `aws:${B}`, complete: false },
    ]);
    const ci = await graph.read(`MATCH (r:AWSRole {id: $id}) RETURN r.roleId AS roleId`, {
      id: `arn:aws:iam::${B}:role/ci`,
    });
    expect(ci).toEqual([{ roleId: 'AROACI' }]);
    const scopes = await graph.read(
      `MATCH (s:PGScope) WHERE s.id IN $ids RETURN s.id AS id, s.stale AS stale ORDER BY id`,
      {
        ids: [`aws:${A}`, `aws:${B}`],
      },
    );
    expect(scopes).toEqual([
      { id: `aws:${A}`, stale: false },
      { id: `aws:${B}`, stale: true },
    ]);
    const bob = await graph.read(`MATCH (u:AWSUser {name: 'bob'}) RETURN count(u) AS n`);
    expect(bob).toEqual([{ n: 0 }]);
    // organization data, usage and resources arrived
    const scp = await graph.read(
      `MATCH (:AWSOrganizationalUnit {name: 'Prod'})-[:AWS_HAS_ORG_POLICY {policyType: 'scp'}]->(p:AWSPolicy) RETURN p.name AS name`,
    );
    expect(scp).toEqual([{ name: 'DenyLeaveOrg' }]);
    const usage = await graph.read(
      `MATCH (r:AWSRole {id: $id}) RETURN r.serviceUsage AS su, r.usageKnown AS known`,
      {
        id: `arn:aws:iam::${A}:role/deploy`,
      },
    );
    expect(JSON.parse(String(usage[0]!.su))).toEqual({ s3: '2026-11-01T10:00:00.000Z', iam: null });
    const runs = await graph.read(
      `MATCH (:AWSEC2Instance)-[:AWS_RUNS_AS {roleKind: 'instance'}]->(r:AWSRole) RETURN r.name AS name`,
    );
    expect(runs).toEqual([{ name: 'deploy' }]);
  });
});
