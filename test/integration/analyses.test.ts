import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffScans, getFinding, listFindings, pciSummary, runAnalyses } from '../../analyze/index.js';
import { computeAllPci } from '../../analyze/pci.js';
import { findingsSarif } from '../../analyze/report.js';
import type { Graph } from '../../cypher/db/graph.js';
import { runGuarded } from '../../cypher/guard.js';
import { findPaths } from '../../cypher/paths.js';
import { expandCypher, loadRegistry, type QueryRegistry, toDriverParams } from '../../cypher/registry.js';
import { runSavedQuery } from '../../cypher/saved.js';
import { loadSnapshotFile } from '../../ingest/load/loader.js';
import {
  ACCT,
  AZ,
  applyDerived,
  applyMultiCloudDerived,
  azureSnapshot,
  FOREIGN,
  GCP,
  gcpSnapshot,
  ID,
  PROJECT,
  TENANT,
  writeEstate,
  writeSnapshot,
} from '../helpers/analyses-estate.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

const NOW = new Date();
let graph: Graph;
let registry: QueryRegistry;

async function runSaved(id: string, raw: Record<string, unknown> = {}) {
  const q = registry.get(id);
  if (!q) throw new Error(`no query ${id}`);
  const values = registry.validateParams(q, raw);
  return runSavedQuery(graph, q, values);
}

/** The query's Cypher itself, bypassing a built-in engine. */
async function runCypherOf(id: string, raw: Record<string, unknown> = {}) {
  const q = registry.get(id)!;
  const values = registry.validateParams(q, raw);
  return runGuarded(graph, expandCypher(q, values), toDriverParams(q, values));
}

const subjects = (rows: Record<string, unknown>[]) =>
  [...new Set(rows.map((r) => String(r.subjectId)))].sort();

beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-analyses-'));
  await loadSnapshotFile(graph, writeEstate(dir, NOW));
  await loadSnapshotFile(graph, writeSnapshot(dir, azureSnapshot(NOW)));
  await loadSnapshotFile(graph, writeSnapshot(dir, gcpSnapshot(NOW)));
  await applyDerived(graph, NOW);
  await applyMultiCloudDerived(graph);
  await computeAllPci(graph, { lookbackDays: 90, now: NOW });
  registry = await loadRegistry([]);
});
afterAll(async () => graph.close());

describe('saved queries on the fixture estate', () => {
  it('every saved query runs without error', async () => {
    const failures: string[] = [];
    for (const q of registry.list()) {
      const raw: Record<string, unknown> = {};
      for (const p of q.params.filter((x) => x.required))
        raw[p.name] = p.name === 'to' ? ID.lambdaAdmin : ID.alice;
      try {
        await runSaved(q.id, raw);
      } catch (err) {
        failures.push(`${q.id}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  // Planted risk -> the query that must find it (exact subject sets where the fixture fixes them).
  const planted: [string, string[]][] = [
    // The PIM-eligible user is one traversable AZRoleEligible edge from Global Administrator.
    ['tier-zero-reachable', [AZ.guest, AZ.pimUser, ID.alice, ID.carol, ID.deploy]],
    ['escalation-to-tier-zero-direct', [AZ.guest, ID.carol, ID.deploy]],
    ['conditional-escalations', [ID.carol]],
    ['users-without-mfa-can-escalate', [AZ.guest, ID.alice, ID.carol]],
    ['external-principals-with-escalation', [ID.anyone]],
    ['workloads-running-as-tier-zero', [ID.fn]],
    // bob is in the admins group and lambda-admin says admin: dave and the Entra GA user are shadow admins.
    ['shadow-admins', [AZ.gaUser, ID.dave]],
    ['passrole-star', [ID.alice, ID.deploy]],
    ['toxic-passrole-compute', [ID.deploy]],
    ['toxic-permissions-and-passrole', [ID.alice]],
    ['high-risk-unused', [ID.alice, ID.bob, ID.erin, ID.lambdaAdmin]],
    ['wide-scope-high-risk', [ID.alice, ID.deploy]],
    ['permissions-management-access', [ID.alice]],
    ['cross-account-access', [ID.foreignRoot]],
    ['dormant-identities', [ID.bob, ID.extRole, ID.lambdaAdmin]],
    ['dormant-admins', [ID.bob, ID.lambdaAdmin]],
    ['unused-roles', [ID.extRole, ID.lambdaAdmin]],
    ['stale-access-keys', [ID.aliceOldKey]],
    ['stale-keys-high-risk', [ID.aliceOldKey]],
    ['unused-trusts', [ID.extRole, ID.lambdaAdmin]],
    ['unused-group-memberships', [ID.bob, ID.erin]],
    ['users-never-logged-in', [ID.carol]],
    ['public-resources', [GCP.fn, ID.publicBucket]],
    ['cross-account-resource-policies', [ID.sharedBucket]],
    ['roles-assumable-from-other-accounts', [ID.extRole]],
    ['roles-assumable-by-anyone', [ID.publicRole]],
    ['federated-trusts-without-conditions', [ID.oidcRole]],
    ['users-without-mfa', [AZ.guest, ID.alice, ID.carol]],
    ['inline-policies', [ID.dave]],
    ['multiple-active-keys', [ID.alice]],
    ['pci-high-identities', [ID.bob, ID.dave, ID.lambdaAdmin]],
    ['admin-wildcard-access', [ID.admins, ID.bob, ID.dave, ID.lambdaAdmin]],
    ['groups-never-used', [ID.admins]],
    ['federation-without-subject', [ID.oidc]],
    ['azure-pim-eligible-tier-zero', [AZ.pimUser]],
    ['azure-guest-users-with-escalation', [AZ.guest]],
    ['gcp-default-sa-editor', [GCP.defaultSa]],
    ['gcp-public-principals-with-access', [GCP.allUsers]],
    ['gcp-sa-impersonation-chains', [GCP.user]],
  ];
  for (const [id, expected] of planted) {
    it(`${id} finds exactly the planted subjects`, async () => {
      const r = await runSaved(id);
      expect(subjects(r.rows)).toEqual([...expected].sort());
    });
  }

  // Exploration (info) queries: a column that must hold exactly these values.
  const explored: [string, string, unknown[]][] = [
    [
      'escalation-edges',
      'technique',
      ['AZ-04', 'GCP-06', 'GCP-06', 'iam-002', 'lambda-001', 'lambda-003', 'sts-001', 'sts-001'],
    ],
    ['admin-equivalent-principals', 'id', [AZ.gaUser, ID.admins, ID.bob, ID.dave, ID.lambdaAdmin]],
    ['privileged-group-members', 'memberId', [ID.bob]],
    // "anyone" belongs to no account.
    ['largest-blast-radius', 'account', [ACCT, FOREIGN, PROJECT, null]],
    ['cross-cloud-federation', 'targetId', [GCP.pool]],
    ['service-trusted-roles', 'roleId', [ID.lambdaAdmin]],
    ['unattached-customer-policies', 'id', [ID.unusedPolicy]],
    ['tier-zero-inventory', 'kind', ['AZRole', 'AZUser', 'AWSAdmin', 'AWSGroup', 'AWSRole', 'AWSUser']],
    ['pci-by-account', 'account', [ACCT, PROJECT, TENANT]],
    ['azure-tier-zero-role-holders', 'id', [AZ.gaUser]],
    [
      'identities-no-usage-data',
      'id',
      [AZ.gaUser, AZ.guest, AZ.pimUser, ID.carol, ID.oidcRole, GCP.saA, GCP.saB, GCP.defaultSa, GCP.user],
    ],
  ];
  for (const [id, column, expected] of explored) {
    it(`${id} lists the expected ${column} values`, async () => {
      const r = await runSaved(id);
      expect(r.rows.map((x) => x[column]).sort()).toEqual([...expected].sort());
    });
  }

  it('shortest-path-from and shortest-path-between take their required parameters', async () => {
    const from = await runSaved('shortest-path-from', { from: ID.carol });
    expect(from.rows.map((r) => r.targetId).sort()).toEqual([ID.dave, ID.lambdaAdmin].sort());
    const between = await runSaved('shortest-path-between', {
      from: ID.alice,
      to: ID.lambdaAdmin,
      maxHops: '3',
    });
    expect(between.rows.map((r) => r.hops)).toEqual([2]);
    await expect(runSaved('shortest-path-between', { from: ID.alice })).rejects.toThrow(
      /parameter to \(string\) is required/,
    );
  });

  it('stale-scopes reports nothing while every scope loaded completely', async () => {
    expect((await runSaved('stale-scopes')).rows).toEqual([]);
  });

  it('the built-in tier-zero engines give what their reference Cypher gives', async () => {
    const key = (rows: Record<string, unknown>[]) =>
      rows.map((x) => `${String(x.subjectId)} ${String(x.hops)}`).sort();
    const engine = await runSaved('tier-zero-reachable');
    const cypher = await runCypherOf('tier-zero-reachable');
    expect(registry.get('tier-zero-reachable')?.engine).toBe('tier-zero-reach');
    expect(engine.rows.length).toBeGreaterThan(1);
    expect(key(engine.rows)).toEqual(key(cypher.rows));
    const from = { from: ID.alice };
    const e2 = await runSaved('shortest-path-from', from);
    const c2 = await runCypherOf('shortest-path-from', from);
    const key2 = (rows: Record<string, unknown>[]) =>
      rows.map((x) => `${String(x.targetId)} ${String(x.hops)}`);
    expect(e2.rows.length).toBeGreaterThan(0);
    expect(key2(e2.rows)).toEqual(key2(c2.rows));
    expect(registry.get('excessive-privilege-transitive')?.engine).toBe('transitive-privilege');
    for (const params of [{}, { maxHops: 1 }, { minUnused: 3 }]) {
      const e3 = await runSaved('excessive-privilege-transitive', params);
      const c3 = await runCypherOf('excessive-privilege-transitive', params);
      expect(e3.rows).toEqual(c3.rows);
    }
    expect((await runSaved('excessive-privilege-transitive')).rows.length).toBeGreaterThan(0);
  });

  it('tier-zero-reachable returns explained paths as graph elements', async () => {
    const r = await runSaved('tier-zero-reachable');
    const alice = r.rows.find((x) => x.subjectId === ID.alice)!;
    // One row per principal, ending at the first tier-zero node it reaches.
    expect(r.rows.filter((x) => x.subjectId === ID.alice)).toHaveLength(1);
    expect(alice.tierZeroId).toBe(ID.lambdaAdmin);
    expect(alice.hops).toBe(2);
    expect(r.graph?.nodes.map((n) => n.data.id)).toEqual(
      expect.arrayContaining([ID.alice, ID.deploy, ID.lambdaAdmin]),
    );
    const edge = r.graph?.edges.find((e) => e.data.source === ID.deploy && e.data.target === ID.lambdaAdmin);
    expect(edge?.data).toMatchObject({
      type: 'AWS_PASSROLE_VIA',
      technique: 'lambda-001',
      category: 'escalation',
      derived: true,
    });
    expect(r.graph?.nodes.find((n) => n.data.id === ID.lambdaAdmin)?.data.tierZero).toBe(true);
  });

  it('unused versus no usage data are told apart', async () => {
    const r = await runSaved('unused-permissions');
    const usage = (id: string, service: string) =>
      r.rows.find((x) => x.id === id && x.service === service)?.usage;
    expect(usage(ID.carol, 'lambda')).toBe('no usage data');
    expect(usage(ID.alice, 'iam')).toBe('unused');
    expect(usage(ID.alice, 's3')).toBe('used');
    const none = await runSaved('identities-no-usage-data');
    expect(none.rows.map((x) => x.id)).toContain(ID.carol);
    expect(none.rows.map((x) => x.id)).not.toContain(ID.alice);
  });

  it('transitive excessive privilege follows assumed roles', async () => {
    const r = await runSaved('excessive-privilege-transitive');
    const alice = r.rows.find((x) => x.subjectId === ID.alice);
    // alice, her group devs, deploy (assumed) and lambda-admin (passed to Lambda).
    expect(alice).toMatchObject({ principalsReached: 4 });
    expect(Number(alice!.highRiskReached)).toBe(20 + 30 + 20 + 1 + 5000);
  });
});

describe('paths', () => {
  it('finds the path to tier zero with every hop explained', async () => {
    const r = await findPaths(graph, { from: ID.alice, toTierZero: true });
    expect(r.paths).toHaveLength(1);
    const p = r.paths[0]!;
    expect(p.nodes).toEqual([ID.alice, ID.deploy, ID.lambdaAdmin]);
    expect(p.hops.map((h) => [h.type, h.technique])).toEqual([
      ['AWS_ASSUME_ROLE', 'sts-001'],
      ['AWS_PASSROLE_VIA', 'lambda-001'],
    ]);
    expect(p.hops[1]!.reason).toMatch(/PassRole/);
    expect(p.hops[1]!.grantedBy).toEqual([
      { policy: 'fixture-policy', statement: '0', action: 'iam:PassRole' },
    ]);
    expect(r.elements.nodes).toHaveLength(3);
  });

  it('between two nodes, honouring max hops', async () => {
    const r = await findPaths(graph, { from: ID.alice, to: ID.lambdaAdmin, maxHops: 8 });
    expect(r.paths[0]?.length).toBe(2);
    const short = await findPaths(graph, { from: ID.alice, to: ID.lambdaAdmin, maxHops: 1 });
    expect(short.paths).toHaveLength(0);
  });

  it('names a start node that does not exist', async () => {
    await expect(findPaths(graph, { from: 'arn:aws:iam::1:user/nobody', toTierZero: true })).rejects.toThrow(
      /nobody does not exist/,
    );
  });
});

describe('guard at runtime', () => {
  it('cuts rows at the row limit and says so', async () => {
    const r = await runGuarded(graph, 'UNWIND range(1, 50) AS x RETURN x', {}, { rowLimit: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.truncated).toBe(true);
    expect(r.columns).toEqual(['x']);
  });

  it('stops a query at its timeout', async () => {
    await expect(
      runGuarded(
        graph,
        'UNWIND range(1, 200000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x)',
        {},
        { timeoutMs: 200 },
      ),
    ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
  });

  it('refuses writes before they reach the server, and the READ transaction refuses them too', async () => {
    await expect(runGuarded(graph, "CREATE (n:Entity {id: 'x'})", {})).rejects.toMatchObject({
      code: 'QUERY_NOT_READ_ONLY',
    });
    await expect(runGuarded(graph, 'CALL dbms.listConfig()', {})).rejects.toMatchObject({
      code: 'QUERY_NOT_READ_ONLY',
    });
    await expect(graph.read("CREATE (n:Entity {id: 'guard-probe'})")).rejects.toThrow();
    expect(await graph.read("MATCH (n:Entity {id: 'guard-probe'}) RETURN n")).toHaveLength(0);
  });
});

describe('PCI on the fixture (hand-computed in docs/pci.md)', () => {
  it('scores each identity and rolls up the account', async () => {
    const ids = await pciSummary(graph, { level: 'identity' });
    const score = Object.fromEntries(
      ids.items.map((i) => [(i as { id: string }).id, (i as { pci: number }).pci]),
    );
    expect(score[ID.alice]).toBe(38);
    expect(score[ID.bob]).toBe(99);
    expect(score[ID.carol]).toBe(11);
    expect(score[ID.dave]).toBe(99);
    expect(score[ID.erin]).toBe(19);
    expect(score[ID.deploy]).toBe(0);
    const acct = await pciSummary(graph, { level: 'account' });
    expect(acct.items).toEqual([
      expect.objectContaining({
        provider: 'aws',
        account: ACCT,
        identities: 10,
        pci: 68,
        level: 'high',
        maxPci: 99,
        high: 3,
      }),
    ]);
    const carol = ids.items.find((i) => (i as { id: string }).id === ID.carol) as { usageKnown: boolean };
    expect(carol.usageKnown).toBe(false);
  });
});

describe('findings across scans', () => {
  it('an unchanged estate reports zero new findings and keeps every fingerprint', async () => {
    const first = await runAnalyses(graph, { now: NOW });
    expect(first.queries.filter((q) => q.error)).toEqual([]);
    expect(first.findings).toBeGreaterThan(20);
    expect(first.newFindings).toBe(first.findings);
    const second = await runAnalyses(graph, { now: NOW });
    expect(second.previousScan).toBe(first.scan);
    expect(second.newFindings).toBe(0);
    expect(second.resolvedFindings).toBe(0);
    expect(second.findings).toBe(first.findings);
    const d = await diffScans(graph, first.scan, second.scan);
    expect(d.newFindings).toEqual([]);
    expect(d.unchanged).toBe(first.findings);
    const open = await listFindings(graph, { status: 'open', limit: 1000 });
    expect(open.total).toBe(first.findings);
  });

  it('one added escalation path is reported as exactly that new path, and resolved once removed', async () => {
    await applyDerived(graph, NOW, { withErinPath: true });
    const added = await runAnalyses(graph, { now: NOW });
    const d = await diffScans(graph, added.previousScan!, added.scan);
    expect(d.newFindings.map((f) => [f.queryId, f.subjectId, f.targetId])).toEqual([
      ['escalation-to-tier-zero-direct', ID.erin, ID.admin],
      // Reaching tier zero is one risk per principal, whichever tier-zero node is nearest.
      ['tier-zero-reachable', ID.erin, undefined],
    ]);
    expect(d.resolvedFindings).toEqual([]);
    expect(d.newPaths).toBe(1);
    const pathFinding = d.newFindings.find((f) => f.queryId === 'tier-zero-reachable')!;
    expect(pathFinding.path).toEqual([ID.erin, ID.admin]);
    expect(pathFinding.status).toBe('new');
    const full = await getFinding(graph, pathFinding.fingerprint);
    expect(full?.elements?.edges.map((e) => e.data.type)).toEqual(['AWS_ATTACH_POLICY']);
    expect((full!.evidence.hops as { technique: string }[])[0]?.technique).toBe('iam-008');
    expect(full!.evidence.tierZeroId).toBe(ID.admin);
    const newOnes = await listFindings(graph, { status: 'new' });
    expect(newOnes.items.map((f) => f.subjectId)).toEqual([ID.erin, ID.erin]);

    await applyDerived(graph, NOW);
    const removed = await runAnalyses(graph, { now: NOW });
    expect(removed.newFindings).toBe(0);
    expect(removed.resolvedFindings).toBe(2);
    const after = await getFinding(graph, pathFinding.fingerprint);
    expect(after?.status).toBe('resolved');
    expect(after?.resolvedScan).toBe(removed.scan);
    // Same risk, same fingerprint when it comes back.
    await applyDerived(graph, NOW, { withErinPath: true });
    const back = await runAnalyses(graph, { now: NOW });
    expect(back.newFindings).toBe(2);
    expect((await getFinding(graph, pathFinding.fingerprint))?.status).toBe('new');
    await applyDerived(graph, NOW);
    await runAnalyses(graph, { now: NOW });
  });

  it('findings export as SARIF 2.1.0 with stable partial fingerprints', async () => {
    const { items } = await listFindings(graph, { severity: ['critical', 'high'], limit: 500 });
    const sarif = findingsSarif(items, registry.list());
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.name).toBe('permgraph');
    expect(run.results).toHaveLength(items.length);
    for (const r of run.results ?? []) {
      expect(run.tool.driver.rules?.[r.ruleIndex!]?.id).toBe(r.ruleId);
      expect(r.partialFingerprints?.['permgraph/v1']).toMatch(/^[0-9a-f]{32}$/);
      expect(['error', 'warning', 'note']).toContain(r.level);
      expect(r.message.text ?? '').not.toBe('');
    }
  });
});
