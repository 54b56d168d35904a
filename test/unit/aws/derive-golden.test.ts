/**
 * Regression guard for derive speed work: the derived edges of the generated XS estate (seed 1),
 * as a sorted list of every edge with all its properties plus the tier-zero marks, must hash
 * to the digest recorded before the derive engine was optimised. A change that alters what
 * derive produces must update the digest on purpose (and say why in its commit).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveAws } from '../../../ingest/aws/derive/index.js';
import { collectionFormat } from '../../../ingest/aws/import/index.js';
import { loadCatalog } from '../../../ingest/aws/policy/index.js';
import { generateAwsEstate } from '../../../ingest/generate/aws-estate.js';
import type { Snapshot, SnapshotNode } from '../../../ingest/snapshot/types.js';

/**
 * Recorded with the engine as of main 477cbd8 (before the derive-speed changes); re-recorded,
 * engine unchanged, when the generator's hub roles stopped naming account roots (the XS
 * estate itself changed); re-recorded when undecided conditions were de-duplicated in edge
 * properties (one SCP's region test listed once, not once per action) and an admin with
 * conditional access got one "*" CAN_ACCESS edge (none in XS: the counts are unchanged).
 */
const GOLDEN = {
  digest: '7b895ab7a654f688bb26368556083a3acc8918ea73548f226670e6352b142b14',
  counts: {
    tierZero: 36,
    CAN_ACCESS: 4566,
    AWS_ASSUME_ROLE: 267,
    AWS_HIJACK_RESOURCE: 831,
    AWS_PASSROLE_VIA: 3,
    AWS_PUT_INLINE_POLICY: 3,
    AWS_ATTACH_POLICY: 3,
    AWS_ADD_TO_GROUP: 1,
    AWS_CREATE_ACCESS_KEY: 1,
    AWS_EDIT_POLICY: 1,
    AWS_EDIT_TRUST: 1,
  } as Record<string, number>,
};

const tmp = mkdtempSync(path.join(tmpdir(), 'pg-derive-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The converted snapshots of the generated estate, merged into one (collected nodes win over stubs). */
async function xsSnapshot(): Promise<Snapshot> {
  const now = new Date('2026-12-01T00:00:00Z');
  await generateAwsEstate({ size: 'XS', seed: 1, out: path.join(tmp, 'estate') });
  const conv = await collectionFormat.toSnapshots([path.join(tmp, 'estate')], {
    outDir: path.join(tmp, 'snapshots'),
    log: () => {},
    now,
  });
  const snaps = conv.snapshots.sort().map((f) => JSON.parse(readFileSync(f, 'utf8')) as Snapshot);
  const nodes = new Map<string, SnapshotNode>();
  for (const s of snaps)
    for (const n of s.nodes) {
      const had = nodes.get(n.id);
      if (!had || (had.stub && !n.stub)) nodes.set(n.id, n);
    }
  const first = snaps[0] as Snapshot;
  return {
    ...first,
    scopes: snaps.flatMap((s) => s.scopes),
    nodes: [...nodes.values()],
    edges: snaps.flatMap((s) => s.edges),
    usage: snaps.flatMap((s) => s.usage ?? []),
  };
}

function deriveDigest(out: ReturnType<typeof deriveAws>): { digest: string; counts: Record<string, number> } {
  const lines = out.edges.map(
    (e) => `${e.type}\t${e.source}\t${e.target}\t${e.key}\t${JSON.stringify(e.props)}`,
  );
  for (const t of out.tierZero) lines.push(`T0\t${t.id}\t${t.reason}`);
  lines.push(`ADMIN\t${out.adminAccounts.join(',')}`);
  lines.sort();
  const h = createHash('sha256');
  for (const l of lines) h.update(`${l}\n`);
  const counts: Record<string, number> = { tierZero: out.tierZero.length };
  for (const e of out.edges) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return { digest: h.digest('hex'), counts };
}

describe('deriveAws golden output (XS estate, seed 1)', () => {
  it('produces exactly the recorded edges, properties and tier-zero marks', async () => {
    const catalog = await loadCatalog();
    const snap = await xsSnapshot();
    const t0 = Date.now();
    const out = deriveAws(snap, catalog, new Date('2026-12-01T00:00:00Z'));
    console.log(`[aws-derive] XS estate derived in ${Date.now() - t0} ms`, out.timings);
    const got = deriveDigest(out);
    expect(got.counts).toEqual(GOLDEN.counts);
    expect(got.digest).toBe(GOLDEN.digest);
  }, 120_000);
});
