import { describe, expect, it } from 'vitest';
import {
  computePci,
  grantUnused,
  type PciGrant,
  pciLevel,
  pciScore,
  reachOf,
  rollupPci,
} from '../../analyze/pci.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');
const CUTOFF = NOW - 90 * 86_400_000;
const iso = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();

const grant = (p: Partial<PciGrant>): PciGrant => ({
  service: 's3',
  highRiskCount: 0,
  highRiskActions: [],
  usedActions: [],
  lastUsed: null,
  usageKnown: true,
  allResources: false,
  toScope: false,
  targetId: 'arn:aws:s3:::b',
  resourceCount: null,
  ...p,
});

describe('Permission Creep Index (docs/pci.md worked examples)', () => {
  it('scores the documented hand-computed cases', () => {
    // Example 1: 50 unused high-risk actions, reach 1: 100 * 50/100 * 1 = 50 (medium).
    expect(pciScore(50, 1)).toBe(50);
    // Example 2: 10 unused, reach 0.2: 100 * 10/60 * 0.6 = 10 (low).
    expect(pciScore(10, 0.2)).toBe(10);
    // Example 3: 150 unused, reach 1: 100 * 150/200 = 75 (high).
    expect(pciScore(150, 1)).toBe(75);
    // Example 4: nothing unused: 0 whatever the reach.
    expect(pciScore(0, 1)).toBe(0);
    // Example 5: an unused administrator (5000 high-risk actions), reach 1: 100 * 5000/5050 = 99.
    expect(pciScore(5000, 1)).toBe(99);
    // Example 6: 30 unused, reach 1: 100 * 30/80 = 37.5 -> 38 (medium).
    expect(pciScore(30, 1)).toBe(38);
    // Example 7: 10 unused, reach 1/3: 100 * 10/60 * (0.5 + 1/6) = 11.1 -> 11.
    expect(pciScore(10, 1 / 3)).toBe(11);
  });

  it('uses the Low 0-33, Medium 34-66, High 67-100 buckets', () => {
    expect([0, 33, 34, 66, 67, 100].map(pciLevel)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('rolls identities up as round(0.5 * max + 0.5 * mean)', () => {
    // Example 8: identities 75, 10, 0: 0.5 * 75 + 0.5 * 28.33 = 51.67 -> 52 (medium).
    expect(rollupPci([75, 10, 0])).toBe(52);
    expect(rollupPci([])).toBe(0);
    // The fixture account: 38, 99, 11, 99, 19, 0, 99, 0, 0, 0 -> 0.5 * 99 + 0.5 * 36.5 = 67.75 -> 68.
    expect(rollupPci([38, 99, 11, 99, 19, 0, 99, 0, 0, 0])).toBe(68);
  });

  it('counts a grant used in the window as used, an old or never-used one as unused, unknown as unknown', () => {
    const id = { actionUsage: null, serviceUsage: null, usageKnown: true };
    expect(grantUnused(grant({ highRiskCount: 20, lastUsed: iso(10) }), id, CUTOFF)).toEqual({
      unused: 0,
      known: true,
    });
    expect(grantUnused(grant({ highRiskCount: 20, lastUsed: iso(200) }), id, CUTOFF)).toEqual({
      unused: 20,
      known: true,
    });
    expect(grantUnused(grant({ highRiskCount: 20, lastUsed: null }), id, CUTOFF)).toEqual({
      unused: 20,
      known: true,
    });
    expect(
      grantUnused(grant({ highRiskCount: 20, usageKnown: null }), { ...id, usageKnown: null }, CUTOFF),
    ).toEqual({ unused: 20, known: false });
  });

  it('uses action-level data when there is some: only the high-risk actions used in the window count', () => {
    const g = grant({
      service: 'iam',
      highRiskCount: 3,
      highRiskActions: ['iam:PassRole', 'iam:CreateUser', 'iam:PutUserPolicy'],
    });
    const id = {
      actionUsage: { 'iam:PassRole': iso(5), 'iam:CreateUser': iso(120), 's3:GetObject': iso(1) },
      serviceUsage: null,
      usageKnown: true,
    };
    expect(grantUnused(g, id, CUTOFF)).toEqual({ unused: 2, known: true });
  });

  it('reach is 1 for a grant on a whole scope, else the share of the account resources reached', () => {
    expect(reachOf([grant({ toScope: true })], 10)).toBe(1);
    expect(reachOf([grant({ targetId: 'a' }), grant({ targetId: 'b' })], 10)).toBeCloseTo(0.2);
    expect(reachOf([], 10)).toBe(0);
  });

  it('computes an identity end to end', () => {
    const r = computePci(
      {
        id: 'alice',
        usageKnown: true,
        actionUsage: null,
        serviceUsage: { s3: iso(3), iam: null },
        resourcesInAccount: 3,
        grants: [
          grant({ service: 's3', highRiskCount: 20, lastUsed: iso(3) }),
          grant({ service: 'iam', highRiskCount: 30, lastUsed: null, toScope: true, allResources: true }),
        ],
      },
      CUTOFF,
    );
    expect(r).toMatchObject({
      pci: 38,
      level: 'medium',
      highRiskGranted: 50,
      highRiskUnused: 30,
      reach: 1,
      usageKnown: true,
    });
  });
});
