import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { graphStats } from '../../cypher/stats.js';
import { loadSnapshotFile, loadSnapshotFiles } from '../../ingest/load/loader.js';
import type { Snapshot } from '../../ingest/snapshot/types.js';
import { writeSyntheticSnapshot } from '../helpers/estate.js';
import { graphDump } from '../helpers/fingerprint.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

const FIXTURE = 'test/fixtures/snapshots/basic.json';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'pg-load-'));
const fixture = (): Snapshot => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Snapshot;

let graph: Graph;
beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
});
afterAll(async () => graph.close());

describe('loader', () => {
  it('loads the fixture and stats reports the expected counts', async () => {
    const r = await loadSnapshotFile(graph, FIXTURE);
    expect(r.nodes).toBe(8);
    const s = await graphStats(graph);
    expect(s.labels).toMatchObject({
      AWSUser: 2,
      AWSGroup: 1,
      AWSRole: 1,
      AWSPolicy: 1,
      AWSInlinePolicy: 1,
      AWSAccount: 1,
      AWSServicePrincipal: 1,
      Entity: 8,
      Principal: 6,
      Identity: 3,
    });
    expect(s.relationships).toEqual({ AWS_CONTAINS: 3, AWS_MEMBER_OF: 1, AWS_HAS_POLICY: 2, AWS_TRUSTS: 2 });
    expect(s.scopes).toEqual([
      expect.objectContaining({ id: 'aws:111111111111', lastCompleteScan: 'fixture-basic-1', stale: false }),
    ]);
    // Values land typed: JSON as strings, dates as datetimes, usage on the node.
    const [alice] = await graph.read(
      "MATCH (u:AWSUser {name: 'alice'}) RETURN u.tags AS tags, u.createDate AS created, u.lastUsed AS lastUsed, u.usageKnown AS known, u.serviceUsage AS su, u.lastSeenScan AS scan",
    );
    expect(JSON.parse(String(alice!.tags))).toEqual({ team: 'platform' });
    expect(alice!.created).toBe('2024-01-01T00:00:00.000Z');
    expect(alice!.lastUsed).toBe('2026-10-01T00:00:00.000Z');
    expect(alice!.known).toBe(true);
    expect(JSON.parse(String(alice!.su))).toEqual({ s3: '2026-10-01T00:00:00Z', iam: null });
    expect(alice!.scan).toBe('fixture-basic-1');
  });

  it('loading the same snapshot twice changes nothing', async () => {
    const before = await graphDump(graph);
    const r = await loadSnapshotFile(graph, FIXTURE);
    expect(r.alreadyLoaded).toBe(true);
    expect(await graphDump(graph)).toEqual(before);
  });

  it('a rescan of unchanged content gives the same counts and values (only scan stamps move)', async () => {
    const dir = tmp();
    const s = fixture();
    s.scanId = 'fixture-basic-rescan';
    const file = path.join(dir, 'rescan.json');
    writeFileSync(file, JSON.stringify(s));
    const ignore = ['lastSeen', 'lastSeenScan', 'firstSeen'];
    const before = await graphDump(graph, { ignore });
    const r = await loadSnapshotFile(graph, file);
    expect(r.cleaned).toEqual({ nodes: 0, edges: 0 });
    expect(await graphDump(graph, { ignore })).toEqual(before);
  });

  it('refuses a snapshot with a defect, names the JSON path, and leaves the graph unchanged', async () => {
    const before = await graphDump(graph);
    const s = fixture();
    s.scanId = 'fixture-broken';
    s.nodes.push({ id: 'arn:aws:iam::111111111111:user/carol', kind: 'AWSUser', name: 'carol' });
    (s.nodes[1]!.props as Record<string, unknown>).mfaEnabled = 'yes';
    s.edges.push({
      type: 'AWS_MEMBER_OF',
      source: 'arn:aws:iam::111111111111:user/carol',
      target: 'arn:aws:iam::111111111111:group/ghost',
    });
    const file = path.join(tmp(), 'broken.json');
    writeFileSync(file, JSON.stringify(s, null, 1));
    await expect(loadSnapshotFile(graph, file)).rejects.toThrow(
      /\$\.nodes\[1\]\.props\.mfaEnabled[\s\S]*\$\.edges\[8\]\.target/,
    );
    expect(await graphDump(graph)).toEqual(before);
    const scans = await graph.read("MATCH (s:PGScan {id: 'fixture-broken'}) RETURN s");
    expect(scans).toHaveLength(0);
  });

  it('removes what a complete rescan no longer sees, only in that scope', async () => {
    const dir = tmp();
    const other = await writeSyntheticSnapshot(dir, {
      scanId: 'other-1',
      account: '444444444444',
      users: 5,
      groups: 2,
      membershipsPerUser: 1,
    });
    await loadSnapshotFile(graph, other);
    const s = fixture();
    s.scanId = 'fixture-basic-v2';
    s.nodes = s.nodes.filter((n) => n.name !== 'bob');
    s.edges = s.edges.filter((e) => !e.target.endsWith('user/bob'));
    const file = path.join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(s));
    const r = await loadSnapshotFile(graph, file);
    expect(r.cleaned).toEqual({ nodes: 1, edges: 1 });
    expect(await graph.read("MATCH (u:AWSUser {name: 'bob'}) RETURN u")).toHaveLength(0);
    const others = await graph.read("MATCH (u:AWSUser {account: '444444444444'}) RETURN count(u) AS c");
    expect(others[0]!.c).toBe(5);
  });

  it('a partial scan keeps the previous data and marks the scope stale', async () => {
    const s = fixture();
    s.scanId = 'fixture-basic-partial';
    s.scopes[0]!.complete = false;
    s.nodes = s.nodes.filter((n) => n.kind !== 'AWSRole' && n.kind !== 'AWSInlinePolicy');
    s.edges = s.edges.filter((e) => !e.source.includes('role/') && !e.target.includes('role/'));
    s.gaps = [
      {
        scope: 'aws:111111111111',
        api: 'iam:GetAccountAuthorizationDetails',
        reason: 'AccessDenied',
        message: 'roles not readable',
      },
    ];
    const file = path.join(tmp(), 'partial.json');
    writeFileSync(file, JSON.stringify(s));
    const r = await loadSnapshotFile(graph, file);
    expect(r.cleaned).toEqual({ nodes: 0, edges: 0 });
    expect(await graph.read("MATCH (r:AWSRole {name: 'deploy'}) RETURN r")).toHaveLength(1);
    const [scope] = await graph.read(
      "MATCH (s:PGScope {id: 'aws:111111111111'}) RETURN s.stale AS stale, s.staleReason AS reason, s.lastCompleteScan AS last",
    );
    expect(scope).toMatchObject({ stale: true, last: 'fixture-basic-v2' });
    expect(String(scope!.reason)).toMatch(/partial/);
  });

  it('writes a first load with CREATE, but merges repeated relationships of a snapshot into one', async () => {
    const s = fixture();
    s.scanId = 'fixture-repeats';
    const text = JSON.stringify(s).replaceAll('111111111111', '121212121212');
    const snap = JSON.parse(text) as Snapshot;
    snap.edges.push({ ...snap.edges[3]! });
    const file = path.join(tmp(), 'repeats.json');
    writeFileSync(file, JSON.stringify(snap));
    const r = await loadSnapshotFile(graph, file);
    expect(r.createdEdgeTypes).toContain('AWS_CONTAINS');
    expect(r.createdEdgeTypes).not.toContain('AWS_MEMBER_OF');
    const rows = await graph.read(
      "MATCH (:AWSUser {id: 'arn:aws:iam::121212121212:user/alice'})-[r:AWS_MEMBER_OF]->() RETURN count(r) AS c",
    );
    expect(rows[0]!.c).toBe(1);
    // A rescan of the same scopes merges (the relationships exist now).
    snap.scanId = 'fixture-repeats-2';
    writeFileSync(file, JSON.stringify(snap));
    const again = await loadSnapshotFile(graph, file);
    expect(again.createdEdgeTypes).toEqual([]);
    const contains = await graph.read(
      "MATCH (:AWSAccount {account: '121212121212'})-[r:AWS_CONTAINS]->() RETURN count(r) AS c",
    );
    expect(contains[0]!.c).toBe(3);
  });

  /** The fixture moved to another account, under its own scan id. */
  const inAccount = (account: string, scanId: string, edit?: (s: Snapshot) => void): string => {
    const snap = JSON.parse(JSON.stringify(fixture()).replaceAll('111111111111', account)) as Snapshot;
    snap.scanId = scanId;
    edit?.(snap);
    const file = path.join(tmp(), `${scanId}.json`);
    writeFileSync(file, JSON.stringify(snap));
    return file;
  };
  // A node and a relationship every snapshot of an import carries (as shared stubs do).
  const sharedTrust = (s: Snapshot) => {
    s.nodes.push({
      id: 'arn:aws:iam::999999999999:role/shared',
      kind: 'AWSRole',
      name: 'shared',
      scope: 'aws:999999999999',
      stub: true,
    });
    s.edges.push({
      type: 'AWS_TRUSTS',
      source: 'arn:aws:iam::999999999999:role/shared',
      target: 'lambda.amazonaws.com',
      key: 'shared',
    });
  };

  it('loads the snapshots of one import together: one set of transactions, shared nodes and relationships once', async () => {
    const a = inAccount('131313131313', 'group-a', sharedTrust);
    const b = inAccount('141414141414', 'group-b', (s) => {
      sharedTrust(s);
      const admin = s.nodes.find((n) => n.kind === 'AWSPolicy')!;
      admin.name = 'AdministratorAccess (from b)';
    });
    const rs = await loadSnapshotFiles(graph, [a, b]);
    expect(rs.map((r) => r.scanId)).toEqual(['group-a', 'group-b']);
    // Nodes, relationships and usage of both snapshots: three transactions in all.
    expect(rs[0]!.batches).toBe(3);
    expect(rs[1]!.batches).toBe(0);
    expect(rs[0]!.group).toEqual({ leader: a, files: 2 });
    expect(rs[0]!.createdEdgeTypes).toContain('AWS_TRUSTS');
    const scopes = await graph.read(
      "MATCH (s:PGScope) WHERE s.id IN ['aws:131313131313', 'aws:141414141414'] RETURN s.id AS id, s.lastCompleteScan AS last, s.stale AS stale ORDER BY id",
    );
    expect(scopes).toEqual([
      { id: 'aws:131313131313', last: 'group-a', stale: false },
      { id: 'aws:141414141414', last: 'group-b', stale: false },
    ]);
    // The AWS managed policy both carry: one node, the last snapshot's values.
    const policy = await graph.read(
      "MATCH (p:Entity {id: 'arn:aws:iam::aws:policy/AdministratorAccess'}) RETURN p.name AS name, p.lastSeenScan AS scan",
    );
    expect(policy).toEqual([{ name: 'AdministratorAccess (from b)', scan: 'group-b' }]);
    // A relationship both carry is one relationship, although its type was a first load (CREATE).
    const trusts = await graph.read(
      "MATCH (:Entity {id: 'arn:aws:iam::999999999999:role/shared'})-[r:AWS_TRUSTS]->() RETURN count(r) AS c",
    );
    expect(trusts[0]!.c).toBe(1);
    const users = await graph.read(
      "MATCH (u:AWSUser) WHERE u.account IN ['131313131313', '141414141414'] RETURN u.account AS a, u.lastSeenScan AS scan, u.usageKnown AS usage ORDER BY a, scan",
    );
    expect(users).toHaveLength(4);
    expect(users.map((u) => u.scan)).toEqual(['group-a', 'group-a', 'group-b', 'group-b']);

    const before = await graphDump(graph);
    const again = await loadSnapshotFiles(graph, [a, b]);
    expect(again.every((r) => r.alreadyLoaded)).toBe(true);
    expect(await graphDump(graph)).toEqual(before);
  });

  it('writes nothing when any snapshot of an import has a defect', async () => {
    const before = await graphDump(graph);
    const good = inAccount('151515151515', 'group-good');
    const bad = inAccount('161616161616', 'group-bad', (s) => {
      (s.nodes[1]!.props as Record<string, unknown>).mfaEnabled = 'yes';
    });
    await expect(loadSnapshotFiles(graph, [good, bad])).rejects.toThrow(
      /group-bad\.json[\s\S]*\$\.nodes\[1\]\.props\.mfaEnabled/,
    );
    expect(await graphDump(graph)).toEqual(before);
    expect(await graph.read("MATCH (s:PGScan) WHERE s.id STARTS WITH 'group-good' RETURN s")).toHaveLength(0);
  });

  it('loads two scans of one scope in one import one after the other, in the order given', async () => {
    const withoutBob = (s: Snapshot) => {
      s.nodes = s.nodes.filter((n) => n.name !== 'bob');
      s.edges = s.edges.filter((e) => !e.target.endsWith('user/bob'));
    };
    const acct = '171717171717';
    const bob = `MATCH (u:AWSUser {id: 'arn:aws:iam::${acct}:user/bob'}) RETURN u.lastSeenScan AS scan`;
    const rs = await loadSnapshotFiles(graph, [
      inAccount(acct, 'order-1', withoutBob),
      inAccount(acct, 'order-2'),
    ]);
    expect(rs.map((r) => r.group)).toEqual([undefined, undefined]);
    expect(await graph.read(bob)).toEqual([{ scan: 'order-2' }]);
    const back = await loadSnapshotFiles(graph, [
      inAccount(acct, 'order-3'),
      inAccount(acct, 'order-4', withoutBob),
    ]);
    expect(back[1]!.cleaned).toEqual({ nodes: 1, edges: 1 });
    expect(await graph.read(bob)).toEqual([]);
  });

  it('loads 100k+ relationships in batches and reports the rate', async () => {
    await resetGraph(graph);
    const file = await writeSyntheticSnapshot(tmp(), {
      scanId: 'scale-1',
      users: 20_000,
      groups: 500,
      membershipsPerUser: 5,
    });
    const r = await loadSnapshotFile(graph, file);
    expect(r.edges).toBe(120_000);
    expect(r.batches).toBeGreaterThan(10);
    const s = await graphStats(graph);
    expect(s.relationships.AWS_MEMBER_OF).toBe(100_000);
    console.log(
      `[rate] ${r.nodes} nodes, ${r.edges} relationships in ${(r.ms.write / 1000).toFixed(1)} s: ${r.nodeRowsPerSec} node rows/s, ${r.relRowsPerSec} rel rows/s (over the write phase)`,
    );
  });
});
