import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { toPlain, zonedDateTimeToIso } from '../../cypher/db/graph.js';

const { DateTime } = neo4j.types;

/** What toPlain returned for a DateTime before the plain-number conversion. */
const driverIso = (d: InstanceType<typeof DateTime>) => d.toStandardDate().toISOString();

describe('zonedDateTimeToIso', () => {
  it('matches the driver conversion on edge cases', () => {
    const cases: [number, number, number, number, number, number, number, number][] = [
      [2026, 11, 2, 0, 0, 0, 0, 0],
      [2026, 12, 31, 23, 59, 59, 999_999_999, 0],
      [2024, 2, 29, 12, 30, 15, 123_456_789, 3600],
      [2023, 3, 1, 0, 0, 0, 1, -36_000],
      [1970, 1, 1, 0, 0, 0, 0, 0],
      [1969, 12, 31, 23, 59, 59, 999_000_000, 0],
      [1900, 2, 28, 23, 0, 0, 0, -3600],
      [2000, 2, 29, 0, 0, 0, 500_000, 50_400],
      [1600, 3, 1, 1, 2, 3, 4, 0],
      [50, 6, 15, 8, 0, 0, 0, 0],
      [1, 1, 1, 0, 0, 0, 0, 0],
      [0, 1, 1, 0, 0, 0, 0, 3600],
      [-1, 12, 31, 23, 59, 59, 0, 0],
      [9999, 12, 31, 23, 59, 59, 999_999_999, -64_800],
      [10_000, 1, 1, 0, 0, 0, 0, 0],
      [-271_821, 4, 20, 0, 0, 0, 0, 0],
      [275_760, 9, 13, 0, 0, 0, 0, 0],
    ];
    for (const [y, mo, d, h, mi, s, ns, off] of cases) {
      const v = new DateTime(y, mo, d, h, mi, s, ns, off);
      expect(zonedDateTimeToIso(v), `${y}-${mo}-${d} ${h}:${mi}:${s}.${ns} ${off}`).toBe(driverIso(v));
    }
  });

  it('matches the driver conversion on 20,000 pseudo-random values, with Integer fields too', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const y = rnd(4000) - 500;
      const mo = 1 + rnd(12);
      const dim = new Date(Date.UTC(2001, mo, 0)).getUTCDate() + (mo === 2 && y % 4 === 0 ? 1 : 0);
      const fields = [
        y,
        mo,
        1 + rnd(dim),
        rnd(24),
        rnd(60),
        rnd(60),
        rnd(1_000_000_000),
        rnd(64_800 * 2) - 64_800,
      ];
      const v =
        i % 2 === 0
          ? new DateTime(...(fields as [number, number, number, number, number, number, number, number]))
          : new DateTime(
              ...(fields.map((f) => neo4j.int(f)) as unknown as [
                number,
                number,
                number,
                number,
                number,
                number,
                number,
                number,
              ]),
            );
      expect(zonedDateTimeToIso(v)).toBe(driverIso(v));
    }
  });

  it('toPlain keeps primitives and converts temporals as before', () => {
    expect(toPlain('s3:GetObject')).toBe('s3:GetObject');
    expect(toPlain(0)).toBe(0);
    expect(toPlain(false)).toBe(false);
    expect(toPlain(['a', neo4j.int(5), null])).toEqual(['a', 5, null]);
    const v = new DateTime(2026, 11, 2, 10, 0, 0, 0, 0);
    expect(toPlain({ when: v })).toEqual({ when: '2026-11-02T10:00:00.000Z' });
    // Beyond the JavaScript Date range: the driver's own string, as before.
    const far = new DateTime(300_000, 1, 1, 0, 0, 0, 0, 0);
    expect(toPlain(far)).toBe(far.toString());
  });
});
