/**
 * `permgraph import` then `permgraph analyze`, as a user runs them, on the planted AWS
 * estate: derive runs at import, analyze skips unchanged input, --force rebuilds the same.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { plantedSnapshot } from '../fixtures/aws/planted.js';
import { runCli } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';

let graph: Graph;
let file: string;
beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
  file = path.join(mkdtempSync(path.join(tmpdir(), 'pg-aws-cli-')), 'planted.json');
  writeFileSync(file, JSON.stringify(plantedSnapshot()));
});
afterAll(async () => graph?.close());

describe('permgraph analyze (AWS)', () => {
  it('import derives; analyze skips unchanged input; analyze --force rebuilds the same edges', () => {
    const env = cliEnv();
    const imp = runCli(['import', file, '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
    const imported = JSON.parse(imp.stdout) as {
      derived: { provider: string; edges: number; tierZero: number }[];
    };
    const aws = imported.derived.find((d) => d.provider === 'aws');
    expect(aws?.edges).toBeGreaterThan(400);
    expect(aws?.tierZero).toBe(11);

    const again = runCli(['analyze', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).derived[0]).toMatchObject({ provider: 'aws', skipped: true });

    const forced = runCli(['analyze', '--force', '--json'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).derived[0]).toMatchObject({
      provider: 'aws',
      edges: aws?.edges,
      tierZero: 11,
    });

    const table = runCli(['analyze'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/aws\s+unchanged \(skipped\)/);
  });

  it('analyze runs with a heap sized to the machine unless NODE_OPTIONS sets one', () => {
    const heapLimit = (stderr: string): number => {
      const line = stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { heapLimitMiB?: number })
        .find((l) => l.heapLimitMiB !== undefined);
      if (!line?.heapLimitMiB) throw new Error(`no derive line with heapLimitMiB in:\n${stderr}`);
      return line.heapLimitMiB;
    };
    const { NODE_OPTIONS: _ignored, ...env } = cliEnv();
    const sized = runCli(['analyze', '--derive-only', '--force', '--json'], env);
    expect(sized.code, sized.stderr).toBe(0);
    const want = Math.min(8192, Math.floor((totalmem() * 0.4) / 2 ** 30) * 1024);
    // Relaunched only when that adds a GiB to the default; either way at least the default.
    if (want >= 5120) expect(heapLimit(sized.stderr)).toBeGreaterThanOrEqual(want);

    const chosen = runCli(['analyze', '--derive-only', '--force', '--json'], {
      ...env,
      NODE_OPTIONS: '--max-old-space-size=1536',
    });
    expect(chosen.code, chosen.stderr).toBe(0);
    const limit = heapLimit(chosen.stderr);
    expect(limit).toBeGreaterThanOrEqual(1536);
    expect(limit).toBeLessThan(2048);
  });
});
