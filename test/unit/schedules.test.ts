/** The schedule file of `permgraph serve --schedule`: parsed from JSON or YAML, every problem named. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../cli/providers.js';
import { AppError } from '../../cypher/errors.js';
import { loadSchedules } from '../../server/schedules.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pg-schedules-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
writeFileSync(path.join(dir, 'export.json'), '{}');

describe('schedule file', () => {
  it('reads YAML: cron, inputs relative to the file, live collection, webhook, severity', () => {
    const file = write(
      'ok.yaml',
      `schedules:
  - name: nightly-aws
    cron: "0 3 * * *"
    timezone: Europe/Berlin
    collect: { provider: aws, profile: prod, org: true, roleName: Audit, regions: [eu-west-1] }
    webhook: https://hooks.example/permgraph
    minSeverity: critical
  - name: exports
    cron: "*/15 * * * *"
    inputs: [export.json]
    lookbackDays: 30
`,
    );
    const defs = loadSchedules(file);
    expect(defs).toEqual([
      {
        name: 'nightly-aws',
        cron: '0 3 * * *',
        timezone: 'Europe/Berlin',
        inputs: [],
        collect: { provider: 'aws', profile: 'prod', org: true, roleName: 'Audit', regions: ['eu-west-1'] },
        webhook: 'https://hooks.example/permgraph',
        minSeverity: 'critical',
      },
      {
        name: 'exports',
        cron: '*/15 * * * *',
        inputs: [path.join(dir, 'export.json')],
        minSeverity: 'high',
        lookbackDays: 30,
      },
    ]);
  });

  it('names the schedule and the key of every problem at once', () => {
    const file = write(
      'bad.json',
      JSON.stringify({
        schedules: [
          { name: 'nightly', cron: '61 * * * *', inputs: ['missing.json'], minSeverity: 'severe' },
          { name: 'nightly', cron: '0 * * * *', collect: { provider: 'nocloud', regin: 'x' } },
          { cron: '0 * * * *', webhook: 'ftp://x', crn: 'typo' },
        ],
      }),
    );
    let err: unknown;
    try {
      loadSchedules(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const msg = (err as AppError).message;
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    expect(msg).toContain(file);
    expect(msg).toMatch(/schedule "nightly" \(schedules\[0\]\.cron\): "61 \* \* \* \*"/);
    expect(msg).toContain(
      `schedule "nightly" (schedules[0].inputs[0]): ${path.join(dir, 'missing.json')} does not exist`,
    );
    expect(msg).toContain('schedule "nightly" (schedules[0].minSeverity): one of critical');
    expect(msg).toContain('schedule "nightly" (schedules[1].name): another schedule has this name');
    expect(msg).toContain('schedule "nightly" (schedules[1].collect.provider): required: one of aws');
    expect(msg).toContain('schedule "nightly" (schedules[1].collect.regin): unknown key');
    expect(msg).toContain('schedule #3 (schedules[2].name): required');
    expect(msg).toContain('schedule #3 (schedules[2].webhook): ftp://x is not an http(s) URL');
    expect(msg).toContain('schedule #3 (schedules[2].crn): unknown key');
  });

  it('refuses a file that is not JSON, or has no schedules list', () => {
    expect(() => loadSchedules(write('broken.json', '{"schedules": ['))).toThrow(
      /broken\.json: not valid JSON/,
    );
    expect(() => loadSchedules(write('empty.yml', 'other: 1\n'))).toThrow(
      /expected an object with a "schedules" array/,
    );
    expect(() => loadSchedules(path.join(dir, 'nope.json'))).toThrow(/nope\.json: cannot be read/);
  });
});
