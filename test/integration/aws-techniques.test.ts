/**
 * Every AWS escalation technique derive models, exercised by its data-driven fixtures
 * (test/fixtures/aws/techniques/cases.ts): all cases go into one collection directory (one
 * account per case), through the real importer and loader into Neo4j, one derive pass; then
 * each positive must have produced its edge (type, technique, via, grantedBy naming the
 * granting statement, conditionality) and each negative look-alike must have produced none.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../cypher/db/graph.js';
import { modelledPathIds } from '../../ingest/aws/derive/techniques.js';
import { awsProvider } from '../../ingest/aws/index.js';
import { importFiles, registerProvider } from '../../ingest/pipeline.js';
import { writeCollection } from '../fixtures/aws/techniques/build.js';
import { type TechniqueCase, techniqueCases } from '../fixtures/aws/techniques/cases.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

interface DerivedRow {
  type: string;
  from: string;
  to: string;
  technique: string;
  via: string | null;
  conditional: boolean;
  grantedBy: { policy: string; statement: string; action?: string }[];
}

const CASES = techniqueCases();
const POSITIVES = CASES.filter((c) => c.positive);
const NEGATIVES = CASES.filter((c) => !c.positive);
const label = (c: TechniqueCase) => `${c.technique}: ${c.name} (account ${c.acct.id})`;

registerProvider(awsProvider);

let graph: Graph;
let rows: DerivedRow[] = [];
const loaded = new Set<string>();

beforeAll(async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'pg-aws-techniques-'));
  process.env.PERMGRAPH_DATA_DIR = path.join(tmp, 'data');
  graph = testGraph();
  await resetGraph(graph);
  const dir = writeCollection(
    path.join(tmp, 'collection'),
    CASES.flatMap((c) => [
      { acct: c.acct, spec: c.spec },
      ...(c.peer ? [{ acct: c.peerAcct, spec: c.peer }] : []),
    ]),
  );
  const t0 = Date.now();
  const imp = await importFiles(graph, [dir], { log: () => {}, skipDerive: true });
  const t1 = Date.now();
  const d = await awsProvider.derive!(graph, { force: true, log: () => {} });
  const t2 = Date.now();
  console.log(
    `[aws-techniques] ${CASES.length} cases (${POSITIVES.length} positive, ${NEGATIVES.length} negative) (${imp.loads.length} snapshots): import ${t1 - t0} ms, derive ${t2 - t1} ms (${d.edges} derived edges)`,
  );
  const raw = await graph.read(
    `MATCH (a:Entity)-[r]->(b:Entity) WHERE r.derived = true AND r.technique IS NOT NULL
     RETURN type(r) AS type, a.id AS from, b.id AS to, r.technique AS technique, r.via AS via,
            r.conditional AS conditional, r.grantedBy AS grantedBy`,
  );
  rows = raw.map((r) => ({
    type: r.type as string,
    from: r.from as string,
    to: r.to as string,
    technique: r.technique as string,
    via: (r.via as string | null) ?? null,
    conditional: Boolean(r.conditional),
    grantedBy: typeof r.grantedBy === 'string' ? JSON.parse(r.grantedBy) : ((r.grantedBy as never) ?? []),
  }));
  const ids = await graph.read('MATCH (n:Entity) WHERE n.id IN $ids AND n.stub IS NULL RETURN n.id AS id', {
    ids: CASES.map((c) => c.expect.from),
  });
  for (const r of ids) loaded.add(r.id as string);
});
afterAll(async () => graph?.close());

/** Runs an assertion, or, for a case marked knownGap, prints the gap when the assertion fails. */
function check(c: TechniqueCase, assert: () => void): void {
  if (!c.knownGap) {
    assert();
    return;
  }
  try {
    assert();
  } catch {
    console.log(`[aws-techniques] KNOWN GAP ${label(c)}: ${c.knownGap}`);
    return;
  }
  throw new Error(`${label(c)} is marked knownGap (${c.knownGap}) but now passes: remove the mark`);
}

describe('AWS escalation technique fixtures', () => {
  it('cover every technique derive can emit with a positive and a negative case', () => {
    const modelled = [...modelledPathIds()].sort();
    const withPositive = [...new Set(POSITIVES.map((c) => c.technique))].sort();
    const withNegative = [...new Set(NEGATIVES.map((c) => c.technique))].sort();
    expect(withPositive).toEqual(modelled);
    expect(withNegative).toEqual(modelled);
    // docs/escalation-coverage.md gives positive / negative counts per technique.
    const md = readFileSync('docs/escalation-coverage.md', 'utf8').split('\n');
    for (const id of modelled) {
      const row = md.find((l) => l.startsWith(`| ${id} |`));
      const want = `${POSITIVES.filter((c) => c.technique === id).length} / ${NEGATIVES.filter((c) => c.technique === id).length}`;
      expect(
        row?.trimEnd().endsWith(`| ${want} |`),
        `${id}: docs/escalation-coverage.md says ${row?.split('|').at(-2)?.trim()}, fixtures have ${want}`,
      ).toBe(true);
    }
    console.log(
      `[aws-techniques] fixtures cover ${withPositive.length} of ${modelled.length} modelled techniques (positive and negative)`,
    );
  });

  describe.each(POSITIVES.map((c) => [label(c), c] as const))('positive %s', (_name, c) => {
    it('derives the edge with its technique, via and the granting statement', () => {
      expect(loaded.has(c.expect.from), `attacker ${c.expect.from} was imported`).toBe(true);
      check(c, () => {
        const e = c.expect;
        const hits = rows.filter(
          (r) =>
            r.technique === c.technique &&
            r.from === e.from &&
            r.to === e.to &&
            (e.via === undefined || r.via === e.via),
        );
        const fromP = rows.filter((r) => r.from === e.from).map((r) => `${r.technique} ${r.type} -> ${r.to}`);
        expect(hits, `edges from the attacker: ${JSON.stringify(fromP)}`).toHaveLength(1);
        const hit = hits[0]!;
        expect(hit.type).toBe(e.type);
        if (e.conditional !== undefined) expect(hit.conditional, JSON.stringify(hit)).toBe(e.conditional);
        for (const g of e.grantedBy ?? []) {
          expect(
            hit.grantedBy.some((x) => x.policy === g.policy && x.statement === g.statement),
            `grantedBy ${JSON.stringify(hit.grantedBy)} names ${g.policy} statement ${g.statement}`,
          ).toBe(true);
        }
      });
    });
  });

  describe.each(NEGATIVES.map((c) => [label(c), c] as const))('negative %s', (_name, c) => {
    it('derives no edge for the look-alike', () => {
      expect(loaded.has(c.expect.from), `attacker ${c.expect.from} was imported`).toBe(true);
      check(c, () => {
        const e = c.expect;
        const hits = rows.filter(
          (r) =>
            r.technique === c.technique &&
            r.from === e.from &&
            r.to === e.to &&
            (e.via === undefined || r.via === e.via),
        );
        expect(hits, JSON.stringify(hits)).toEqual([]);
      });
    });
  });
});
