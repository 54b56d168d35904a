/**
 * Smoke check of the bench runner on the S estate (what CI runs of `npm run bench`): every
 * field of the result is there, and the Markdown table is printed. No timing assertions
 * (speed targets are checked by `npm run bench -- --size M|L`, not by tests).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.js';
import { loadGraphConfig } from '../../cypher/db/config.js';
import * as local from '../../cypher/db/local-neo4j.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pg-bench-'));
const port = Number(process.env.PERMGRAPH_BENCH_NEO4J_PORT ?? 7636);
afterAll(async () => {
  // The runner stops its Neo4j itself; this covers a run cut short (timeout).
  const cfg = loadGraphConfig({ dataDir: path.join(tmp, 'work', 'neo4j-S'), port });
  await local.stop(cfg.local).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}, 180_000);

const REQUIRED = [
  'size',
  'seed',
  'machine.cpus',
  'machine.memBytes',
  'versions.node',
  'versions.neo4j',
  'versions.permgraph',
  'versions.cloudsplaining',
  'estate.principals',
  'estate.plantedPaths',
  'load.nodeRows',
  'load.relRows',
  'load.nodeRowsPerSec',
  'load.relRowsPerSec',
  'load.rowsPerSec',
  'derive.ms',
  'analyze.available',
  'analyze.queries',
  'scan.endToEndMs',
  'scan.rescanMs',
  'scan.diffMs',
  'tierZero.ms',
  'tierZero.principalsReaching',
  'tierZero.plantedFound',
  'memory.nodePeakRssBytes',
  'memory.neo4jPeakRssBytes',
  'ceiling.rowsPerSec',
  'ceiling.nodeRowsPerSec',
  'ceiling.relRowsPerSec',
  'ceiling.ratio',
  'peer.version',
  'peer.ms',
  'peer.policiesWith.privilegeEscalation',
  'peer.policiesWith.resourceExposure',
  'peer.policiesWith.dataExfiltration',
  'api',
  'explorer',
  'targets',
];

const get = (o: unknown, p: string): unknown =>
  p
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      o,
    );

describe('bench runner (S smoke)', () => {
  it('runs import, derive, reachability, the admin-import ceiling and Cloudsplaining, and writes JSON + Markdown', async () => {
    const { files } = await runBench({
      size: 'S',
      seed: 1,
      resultsDir: path.join(tmp, 'results'),
      workDir: path.join(tmp, 'work'),
      port,
      heap: '512m',
      pageCache: '256m',
      log: () => {},
    });
    const json = files.find((f) => f.endsWith('.json'))!;
    expect(existsSync(json)).toBe(true);
    expect(existsSync(json.replace(/\.json$/, '.md'))).toBe(true);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    // The results, printed as `npm run bench` prints them (no timing is asserted).
    console.log(readFileSync(json.replace(/\.json$/, '.md'), 'utf8'));
    const missing = REQUIRED.filter((p) => get(result, p) === undefined);
    expect(missing).toEqual([]);
    expect(result.ceiling.error).toBeUndefined();
    expect(result.peer.error).toBeUndefined();
    expect(result.api.error).toBeUndefined();
    expect(result.api.result.lookup.requests).toBeGreaterThan(0);
    expect(result.explorer.error).toBeUndefined();
    expect(result.load.nodeRows).toBeGreaterThan(0);
    expect(result.load.relRows).toBeGreaterThan(0);
    expect(result.ceiling.nodeRows).toBe(result.load.nodeRows);
    expect(result.tierZero.plantedTotal).toBe(result.estate.plantedPaths);
    expect(readFileSync(json.replace(/\.json$/, '.md'), 'utf8')).toContain(
      'neo4j-admin database import full',
    );
  }, 1_200_000);
});
