/**
 * Fault test: Neo4j is SIGKILLed in the middle of a load. After restart the previous complete
 * data is all there, and running the same load again resumes from the journal and ends with
 * the same graph a clean load gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphConfig } from '../../cypher/db/config.js';
import { Graph } from '../../cypher/db/graph.js';
import * as local from '../../cypher/db/local-neo4j.js';
import { loadSnapshotFile } from '../../ingest/load/loader.js';
import { writeSyntheticSnapshot } from '../helpers/estate.js';
import { graphDump } from '../helpers/fingerprint.js';

const cfg = loadGraphConfig(
  {
    dataDir: path.resolve('.permgraph/test-kill-neo4j'),
    port: Number(process.env.PERMGRAPH_TEST_KILL_PORT ?? 17688),
  },
  { ...process.env, NEO4J_URI: undefined, PERMGRAPH_NEO4J_HEAP: '768m', PERMGRAPH_NEO4J_PAGECACHE: '256m' },
);
const connect = (st: local.LocalInstanceState) =>
  new Graph(
    neo4j.driver(st.uri, neo4j.auth.basic(st.user, st.password), {
      maxTransactionRetryTime: 3000,
      logging: { level: 'error', logger: () => {} },
    }),
    'neo4j',
    st.uri,
  );

afterAll(async () => {
  await local.stop(cfg.local);
  rmSync(cfg.local.dataDir, { recursive: true, force: true });
});

describe('Neo4j killed during a load', () => {
  it('keeps the previous complete data and a rerun completes the load', async () => {
    const t0 = Date.now();
    const mark = (what: string) =>
      console.log(`[kill-test] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    rmSync(cfg.local.dataDir, { recursive: true, force: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-kill-'));
    const v1 = await writeSyntheticSnapshot(dir, {
      scanId: 'kill-v1',
      users: 2000,
      groups: 50,
      membershipsPerUser: 2,
      tag: 'v1',
    });
    const v2 = await writeSyntheticSnapshot(dir, {
      scanId: 'kill-v2',
      users: 8000,
      groups: 200,
      membershipsPerUser: 3,
      roles: 300,
      tag: 'v2',
    });

    let state = await local.start(cfg.local, { mode: 'java' });
    let graph = connect(state);
    mark('started');
    await loadSnapshotFile(graph, v1);
    const before = await graphDump(graph);
    mark('v1 loaded');

    let killedAt = -1;
    await expect(
      loadSnapshotFile(graph, v2, {
        batchSize: 2000,
        onBatch: (seq) => {
          if (seq >= 6 && killedAt < 0) {
            killedAt = seq;
            process.kill(state.pid!, 'SIGKILL');
          }
        },
      }),
    ).rejects.toThrow();
    expect(killedAt).toBeGreaterThanOrEqual(6);
    mark('killed');
    await graph.close().catch(() => undefined);

    state = await local.start(cfg.local, { mode: 'java' });
    graph = connect(state);
    mark('restarted');
    const after = await graphDump(graph, {});
    // Every node and relationship of the previous complete scan survived.
    const afterIds = new Set(after.nodes.map((n) => n.split(' ')[0]));
    for (const n of before.nodes) expect(afterIds.has(n.split(' ')[0])).toBe(true);
    const relKey = (r: string) => r.split(' {')[0];
    const afterRels = new Set(after.rels.map(relKey));
    for (const r of before.rels) expect(afterRels.has(relKey(r))).toBe(true);
    const [scope] = await graph.read(
      "MATCH (s:PGScope {id: 'aws:333333333333'}) RETURN s.lastCompleteScan AS last",
    );
    expect(scope!.last).toBe('kill-v1');

    const resumed = await loadSnapshotFile(graph, v2, { batchSize: 2000 });
    mark('resumed');
    expect(resumed.skippedBatches).toBeGreaterThan(0);
    const ignore = ['firstSeen', 'lastSeen', 'lastSeenScan'];
    const only = (d: { nodes: string[]; rels: string[] }, acct: string) => ({
      nodes: d.nodes.filter((l) => l.includes(acct)).map((l) => l.replaceAll(acct, 'ACCT')),
      rels: d.rels.filter((l) => l.includes(acct)).map((l) => l.replaceAll(acct, 'ACCT')),
    });
    const resumedDump = only(await graphDump(graph, { ignore }), '333333333333');

    // The same estate loaded cleanly (into another account, so nothing is mass-deleted first).
    const clean = await writeSyntheticSnapshot(dir, {
      scanId: 'kill-v2-clean',
      account: '777777777777',
      users: 8000,
      groups: 200,
      membershipsPerUser: 3,
      roles: 300,
      tag: 'v2',
    });
    await loadSnapshotFile(graph, clean, { batchSize: 2000 });
    mark('clean');
    const cleanDump = only(await graphDump(graph, { ignore }), '777777777777');
    expect(resumedDump.nodes.length).toBe(8000 + 200 + 300 + 1);
    expect(resumedDump.nodes.length).toBe(cleanDump.nodes.length);
    expect(resumedDump.rels.length).toBe(cleanDump.rels.length);
    expect(resumedDump).toEqual(cleanDump);
    await graph.close();
    // Two Neo4j starts and four loads: generous for a loaded 2-core CI machine.
  }, 900_000);
});
