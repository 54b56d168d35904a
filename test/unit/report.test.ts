import { describe, expect, it } from 'vitest';
import type { Finding } from '../../analyze/findings.js';
import { fingerprintOf, rowsToFindings } from '../../analyze/findings.js';
import { csvField, findingsCsv, findingsMarkdown, findingsSarif, scanJson } from '../../analyze/report.js';

const f = (p: Partial<Finding>): Finding => ({
  fingerprint: fingerprintOf('q-1', 'arn:a'),
  queryId: 'q-1',
  title: 'Risky thing',
  severity: 'high',
  subjectId: 'arn:a',
  subjectName: 'a',
  provider: 'aws',
  status: 'new',
  firstSeen: '2026-12-01T00:00:00.000Z',
  lastSeen: '2026-12-01T00:00:00.000Z',
  evidence: {},
  ...p,
});

describe('findings', () => {
  it('fingerprints depend on query, subject and target only', () => {
    expect(fingerprintOf('q', 's', 't')).toBe(fingerprintOf('q', 's', 't'));
    expect(fingerprintOf('q', 's', 't')).not.toBe(fingerprintOf('q', 's', 'u'));
    expect(fingerprintOf('q', 's')).not.toBe(fingerprintOf('r', 's'));
    expect(fingerprintOf('q', 's')).toMatch(/^[0-9a-f]{32}$/);
    const q = { id: 'q', title: 'T', severity: 'high' as const, category: 'c' };
    const a = rowsToFindings(q, [{ subjectId: 's', subjectName: 'S', hops: 2 }]);
    const b = rowsToFindings(q, [{ subjectId: 's', subjectName: 'S', hops: 5 }]);
    expect(a[0]!.fingerprint).toBe(b[0]!.fingerprint);
    expect(JSON.parse(a[0]!.evidence)).toEqual({ hops: 2 });
    // Rows without a subject make no finding; duplicates collapse.
    expect(rowsToFindings(q, [{ x: 1 }, { subjectId: 's' }, { subjectId: 's' }])).toHaveLength(1);
  });
});

describe('reports', () => {
  it('CSV quotes and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(null)).toBe('');
    const csv = findingsCsv([f({ subjectName: '@evil' })]);
    expect(csv.split('\r\n')[1]).toContain(",'@evil,");
  });

  it('Markdown escapes table cells', () => {
    const md = findingsMarkdown([f({ subjectName: 'a|b\nc' })]);
    expect(md).toContain('a\\|b c');
    expect(md).toMatch(/^# permgraph findings\n\n1 findings: 1 high\./);
  });

  it('SARIF 2.1.0: rules per query, results with levels, fingerprints and baseline state', () => {
    const log = findingsSarif([
      f({}),
      f({
        queryId: 'q-2',
        severity: 'medium',
        subjectId: 'arn:b',
        status: 'open',
        fingerprint: fingerprintOf('q-2', 'arn:b'),
      }),
      f({
        queryId: 'q-2',
        severity: 'medium',
        subjectId: 'arn:c',
        status: 'resolved',
        fingerprint: fingerprintOf('q-2', 'arn:c'),
        path: ['arn:c', 'arn:d'],
      }),
    ]);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(['q-1', 'q-2']);
    expect(run.results!.map((r) => [r.ruleId, r.ruleIndex, r.level, r.baselineState])).toEqual([
      ['q-1', 0, 'error', 'new'],
      ['q-2', 1, 'warning', 'unchanged'],
      ['q-2', 1, 'warning', 'absent'],
    ]);
    expect(run.results![2]!.message.text).toContain('Path: arn:c -> arn:d.');
    expect(run.results![0]!.locations![0]!.logicalLocations![0]!.fullyQualifiedName).toBe('arn:a');
  });

  it('scan JSON lists new and resolved findings', () => {
    const body = scanJson(
      {
        from: 's1',
        to: 's2',
        newFindings: [f({})],
        resolvedFindings: [],
        unchanged: 3,
        newPaths: 0,
        resolvedPaths: 0,
        newHighRisk: 1,
        ms: 1,
      },
      {},
    );
    expect(body).toMatchObject({
      scan: 's2',
      previousScan: 's1',
      counts: { new: 1, resolved: 0, unchanged: 3, newHighRisk: 1 },
    });
    expect((body.new as Finding[])[0]!.subjectId).toBe('arn:a');
  });
});
