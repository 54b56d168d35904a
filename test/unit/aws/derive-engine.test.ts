/** The derive pass as a pure function over the planted estate (the integration test repeats this through Neo4j). */
import { describe, expect, it } from 'vitest';
import { EdgeSets } from '../../../cypher/schema/index.js';
import { deriveAws } from '../../../ingest/aws/derive/index.js';
import { loadCatalog } from '../../../ingest/aws/policy/index.js';
import { A, EXPECTED, EXPECTED_TIER_ZERO, ids, plantedSnapshot } from '../../fixtures/aws/planted.js';

describe('deriveAws on the planted estate (pure)', () => {
  it('derives exactly the planted escalation edges and tier-zero nodes', async () => {
    const catalog = await loadCatalog();
    const t0 = Date.now();
    const out = deriveAws(plantedSnapshot(), catalog, new Date('2026-12-03T00:00:00Z'));
    console.log(`[aws-derive] planted fixture evaluated in ${Date.now() - t0} ms`, out.stats);
    const esc = new Set<string>(EdgeSets.ESCALATION);
    const got = out.edges
      .filter((e) => esc.has(e.type))
      .map((e) => [e.type, e.source, e.target, e.props.technique, Boolean(e.props.conditional)].join(' | '))
      .sort();
    expect(got).toEqual(EXPECTED.map((r) => r.join(' | ')).sort());
    expect(out.tierZero.map((t) => t.id).sort()).toEqual(EXPECTED_TIER_ZERO);
    // Every derived edge explains itself.
    for (const e of out.edges.filter((x) => esc.has(x.type))) {
      expect(String(e.props.reason).length).toBeGreaterThan(10);
      expect(Array.isArray(e.props.grantedBy)).toBe(true);
    }
  });
});

describe('tier zero under a region-restricting SCP', () => {
  it('keeps an admin group tier zero when the SCP makes non-global services conditional', async () => {
    const snap = plantedSnapshot();
    // The usual guardrail: deny everything but global services outside approved regions.
    const scp = snap.nodes.find((n) => n.name === 'deny-blocked')!;
    const doc = scp.props!.document as { Statement: Record<string, unknown>[] };
    doc.Statement.push({
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*', 'organizations:*', 'support:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } },
    });
    const out = deriveAws(snap, await loadCatalog(), new Date('2026-12-03T00:00:00Z'));
    const t0 = new Map(out.tierZero.map((t) => [t.id, t.reason]));
    expect(t0.get(ids.group(A, 'admins'))).toMatch(/^aws-iam-star/);
    // Its member still reaches it, as do the users and roles holding AdministratorAccess.
    expect(t0.get(ids.user(A, 'admin-alice'))).toMatch(/^aws-(iam|admin)-star/);
  });

  it('gives an admin whose access is partly conditional one "*" CAN_ACCESS edge with each condition once', async () => {
    const snap = plantedSnapshot();
    const scp = snap.nodes.find((n) => n.name === 'deny-blocked')!;
    const doc = scp.props!.document as { Statement: Record<string, unknown>[] };
    doc.Statement.push({
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*', 'organizations:*', 'support:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } },
    });
    const out = deriveAws(snap, await loadCatalog(), new Date('2026-12-03T00:00:00Z'));
    const access = (id: string) => out.edges.filter((e) => e.type === 'CAN_ACCESS' && e.source === id);
    const alice = access(ids.user(A, 'admin-alice'));
    expect(alice.map((e) => e.props.service)).toEqual(['*']);
    expect(alice[0]!.props.conditional).toBe(true);
    const conds = alice[0]!.props.conditions as unknown as { key: string }[];
    expect(conds.filter((c) => c.key.toLowerCase() === 'aws:requestedregion')).toHaveLength(1);
    expect(Number(alice[0]!.props.highRiskCount)).toBeGreaterThan(1000);
    // Without the SCP the same user is an unconditional admin: still one "*" edge.
    const plain = deriveAws(plantedSnapshot(), await loadCatalog(), new Date('2026-12-03T00:00:00Z'));
    const plainAlice = plain.edges.filter(
      (e) => e.type === 'CAN_ACCESS' && e.source === ids.user(A, 'admin-alice'),
    );
    expect(plainAlice.map((e) => [e.props.service, e.props.conditional])).toEqual([['*', false]]);
    // A principal with a few services keeps one edge per service.
    const narrow = [...new Set(out.edges.filter((e) => e.type === 'CAN_ACCESS').map((e) => e.source))]
      .map(access)
      .find((l) => l.length > 1);
    expect(narrow?.every((e) => e.props.service !== '*')).toBe(true);
  });
});
