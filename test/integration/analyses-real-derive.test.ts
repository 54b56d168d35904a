/**
 * The analyses on the real AWS derive: a generated estate with planted escalation paths is
 * scanned (import -> derive -> analyze), every planted path must show up as a tier-zero
 * finding, and a rescan of the unchanged estate reports nothing new.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFindings, runScan } from '../../analyze/index.js';
import type { Graph } from '../../cypher/db/graph.js';
import { awsProvider } from '../../ingest/aws/index.js';
import { generateAwsEstate } from '../../ingest/generate/aws-estate.js';
import { registerProvider } from '../../ingest/pipeline.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

let graph: Graph;
const out = path.join(mkdtempSync(path.join(tmpdir(), 'pg-analyses-gen-')), 'estate');

beforeAll(async () => {
  registerProvider(awsProvider);
  graph = testGraph();
  await resetGraph(graph);
  await generateAwsEstate({ size: 'XS', seed: 7, out });
});
afterAll(async () => graph.close());

describe('analyses over the real AWS derive', () => {
  it('finds every planted escalation path and reports nothing new on a rescan', async () => {
    const first = await runScan(graph, { inputs: [out] });
    expect(first.derived.map((d) => d.provider)).toEqual(['aws']);
    expect(first.analysis.queries.filter((q) => q.error)).toEqual([]);
    const planted = JSON.parse(readFileSync(path.join(out, 'planted.json'), 'utf8')) as {
      paths: { id: string; principal: string }[];
    };
    expect(planted.paths.length).toBeGreaterThan(0);
    const { items } = await listFindings(graph, { query: 'tier-zero-reachable', limit: 100_000 });
    const reaching = new Set(items.map((f) => f.subjectId));
    const missing = planted.paths.filter((p) => !reaching.has(p.principal)).map((p) => p.id);
    expect(missing).toEqual([]);
    for (const f of items.filter((x) => planted.paths.some((p) => p.principal === x.subjectId))) {
      const hops = f.evidence.hops as { technique?: string; reason: string }[];
      expect(hops.length).toBeGreaterThan(0);
      for (const h of hops) expect(h.reason.length).toBeGreaterThan(0);
    }
    const second = await runScan(graph, { inputs: [] });
    expect(second.diff.newFindings).toEqual([]);
    expect(second.diff.resolvedFindings).toEqual([]);
    expect(second.diff.unchanged).toBe(first.analysis.findings);
  });
});
