/**
 * The scan diff is per scope: a scan of account A is compared with the latest earlier scan
 * that covered A, and findings of account B (loaded, scanned separately) are neither new nor
 * resolved, and their stored status is not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffScans, getScan, listFindings, runScan } from '../../analyze/index.js';
import type { Graph } from '../../cypher/db/graph.js';
import { MetaLabel } from '../../cypher/schema/index.js';
import '../../cli/providers.js';
import { ADMIN, writeAuthDetails } from '../helpers/auth-details.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

const A = '111111111111';
const B = '222222222222';
const user = (acct: string, name: string) => `arn:aws:iam::${acct}:user/${name}`;
// A few queries that report admin users keep the test fast; the diff logic is the same for all.
const queries = ['admin-wildcard-access', 'shadow-admins', 'inline-policies', 'pci-high-identities'];

let graph: Graph;
beforeAll(async () => {
  graph = testGraph();
  await resetGraph(graph);
});
afterAll(async () => graph.close());

async function findingStates(account: string): Promise<Map<string, string>> {
  const rows = await graph.read(
    `MATCH (f:${MetaLabel.Finding}) WHERE f.scope = $scope
     RETURN f.fingerprint AS fp, f.status + '|' + f.lastSeenScan AS state`,
    { scope: `aws:${account}` },
  );
  return new Map(rows.map((r) => [String(r.fp), String(r.state)]));
}

describe('per-scope scan diff', () => {
  it('scan A, scan B, scan A without one risk: exactly that risk resolved, nothing of B touched', async () => {
    const a1 = writeAuthDetails(A, [
      { name: 'alice', statements: ADMIN },
      { name: 'bob', statements: ADMIN },
    ]);
    const b1 = writeAuthDetails(B, [{ name: 'carol', statements: ADMIN }]);
    const a2 = writeAuthDetails(A, [{ name: 'alice', statements: ADMIN }, { name: 'bob' }]);

    const s1 = await runScan(graph, { inputs: [a1], queries });
    expect(s1.analysis.scopes).toContain(`aws:${A}`);
    expect(s1.analysis.scopes).not.toContain(`aws:${B}`);
    expect(s1.previousScan).toBeNull();
    const bobFindings = s1.diff.newFindings.filter((f) => f.subjectId === user(A, 'bob'));
    expect(bobFindings.length).toBeGreaterThan(0);
    expect(s1.diff.newFindings.every((f) => f.account === A || f.scope === `aws:${A}`)).toBe(true);

    // B: its findings are new; A's (still in the graph) are neither new nor resolved.
    const s2 = await runScan(graph, { inputs: [b1], queries });
    expect(s2.analysis.scopes).toContain(`aws:${B}`);
    expect(s2.analysis.scopes).not.toContain(`aws:${A}`);
    expect(s2.diff.newFindings.length).toBeGreaterThan(0);
    expect(s2.diff.newFindings.every((f) => f.scope === `aws:${B}`)).toBe(true);
    expect(s2.diff.newFindings.some((f) => f.subjectId === user(B, 'carol'))).toBe(true);
    expect(s2.diff.resolvedFindings).toEqual([]);
    expect(s2.analysis.findings).toBe(s2.diff.newFindings.length);
    const bBefore = await findingStates(B);
    expect(bBefore.size).toBe(s2.diff.newFindings.length);

    // A again, bob lost his admin policy: account A is compared with s1 (the last scan of A);
    // s2 is only the previous scan of the AWS-global scope every AWS load covers.
    const s3 = await runScan(graph, { inputs: [a2], queries });
    expect(s3.analysis.scopes).toEqual([`aws:${A}`, 'aws:global']);
    expect(s3.analysis.previousScans.sort()).toEqual([s1.scan, s2.scan].sort());
    expect(s3.diff.newFindings).toEqual([]);
    expect(s3.diff.resolvedFindings.map((f) => f.fingerprint).sort()).toEqual(
      bobFindings.map((f) => f.fingerprint).sort(),
    );
    expect(s3.diff.resolvedFindings.every((f) => f.status === 'resolved')).toBe(true);
    expect(s3.diff.unchanged).toBe(s1.analysis.findings - bobFindings.length);
    // B's findings: same status, same last scan.
    expect(await findingStates(B)).toEqual(bBefore);
    const open = await listFindings(graph, { status: 'resolved', limit: 1000 });
    expect(open.items.every((f) => f.subjectId === user(A, 'bob'))).toBe(true);

    const stored = await getScan(graph, s3.scan);
    expect(stored?.scopes).toEqual(s3.analysis.scopes);
    expect(stored?.findingsResolved).toBe(bobFindings.length);

    // Diffing scans of different accounts compares nothing (no scope in common).
    const cross = await diffScans(graph, s2.scan, s3.scan);
    expect(cross.newFindings).toEqual([]);
    expect(cross.resolvedFindings).toEqual([]);

    // A scan of the whole graph covers both accounts and, nothing having changed, reports nothing.
    const s4 = await runScan(graph, { inputs: [], queries });
    expect(s4.analysis.scopes).toEqual(expect.arrayContaining([`aws:${A}`, `aws:${B}`]));
    expect(s4.diff.newFindings).toEqual([]);
    expect(s4.diff.resolvedFindings).toEqual([]);
    expect(s4.analysis.previousScans.sort()).toEqual([s2.scan, s3.scan].sort());
  });
});
