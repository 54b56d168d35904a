import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runScan, type ScanCollect, type ScanSummary } from '../../analyze/index.js';
import { findingsSarif, scanJson, scanMarkdown } from '../../analyze/report.js';
import { checkWebhookUrl, postWebhook } from '../../analyze/webhook.js';
import { dataRoot } from '../../cypher/db/config.js';
import { loadRegistry, SEVERITIES, SEVERITY_RANK, type Severity } from '../../cypher/registry.js';
import { collectingProviders } from '../../ingest/pipeline.js';
import { ExitCode, usageError, withGraph } from '../context.js';
import { log, pipelineLog, printJson, table } from '../ui.js';
import { type AwsCollectCliOptions, addAwsCollectOptions, checkConcurrency } from './collect.js';

const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
const WEBHOOK_MAX = 1000;

function textSummary(s: ScanSummary): string {
  const d = s.diff;
  const lines = [
    `scan ${s.scan} of ${s.analysis.scopes.filter(Boolean).join(', ') || 'the graph'}${s.analysis.previousScans.length > 0 ? ` compared with ${s.analysis.previousScans.join(', ')}` : ' (first scan)'}`,
    `findings: ${s.analysis.findings} (${d.newFindings.length} new, ${d.resolvedFindings.length} resolved, ${d.unchanged} unchanged)`,
    `PCI: ${s.analysis.pci.identities} identities, ${s.analysis.pci.high} high, ${s.analysis.pci.medium} medium, ${s.analysis.pci.low} low`,
    `time: import ${(s.ms.import / 1000).toFixed(1)} s, derive ${(s.ms.derive / 1000).toFixed(1)} s, analyze ${(s.ms.analyze / 1000).toFixed(1)} s, diff ${(s.ms.diff / 1000).toFixed(2)} s`,
  ];
  if (s.collection)
    lines.splice(
      1,
      0,
      `collected ${s.collection.accounts.length} account(s) into ${s.collection.out} (${s.collection.gaps} gap(s))`,
    );
  const failed = s.analysis.queries.filter((q) => q.error);
  if (failed.length > 0)
    lines.push(`queries that failed: ${failed.map((q) => `${q.id} (${q.error})`).join('; ')}`);
  lines.push('');
  if (s.newHighRisk.length === 0) lines.push('No new high-risk findings.');
  else {
    lines.push(`New high-risk findings (${s.newHighRisk.length}):`);
    lines.push(
      table(
        s.newHighRisk.map((f) => ({
          severity: f.severity,
          query: f.queryId,
          subject: f.subjectName,
          target: f.targetId ?? '',
          path: f.path ? f.path.join(' -> ') : '',
        })),
      ).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** --collect and its options as runScan takes them; the collector options alone are a usage error. */
function collectOptions(o: AwsCollectCliOptions & { collect?: string }): ScanCollect | undefined {
  if (!o.collect) {
    const stray = (
      [
        ['--profile', o.profile],
        ['--region', o.region],
        ['--org', o.org],
        ['--out', o.out],
        ['--endpoint-url', o.endpointUrl],
      ] as const
    ).filter(([, v]) => v !== undefined && v !== false);
    if (stray.length > 0)
      throw usageError(`${stray.map(([k]) => k).join(', ')}: only with --collect <provider>`);
    return undefined;
  }
  const known = collectingProviders();
  if (!known.includes(o.collect))
    throw usageError(
      `--collect ${o.collect}: live collection is available for ${known.join(', ') || 'no provider'}`,
    );
  checkConcurrency(o.concurrency);
  return {
    provider: o.collect,
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.region ? { regions: o.region } : {}),
    org: Boolean(o.org),
    roleName: o.roleName,
    ...(o.out ? { out: path.resolve(o.out) } : {}),
    ...(o.endpointUrl ? { endpointUrl: o.endpointUrl } : {}),
    concurrency: o.concurrency,
  };
}

export function registerScan(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  const scan = program
    .command('scan')
    .description(
      'Import -> derive -> analyze -> diff against the previous scan; prints new high-risk findings (what scheduled jobs run)',
    )
    .argument('[inputs...]', 'snapshot files or provider exports (none: re-analyze the graph as it is)')
    .option('--import <files...>', 'input files (same as the positional inputs)')
    .option('--collect <provider>', 'collect live first (aws), then import the collection with the inputs');
  addAwsCollectOptions(scan, 'with --collect: ', '<provider>-<time>')
    .option(
      '--fail-on <severity>',
      `exit ${ExitCode.failOn} when a new finding is at or above this severity (${SEVERITIES.join(', ')})`,
    )
    .option('--webhook <url>', 'POST the diff (JSON) to this URL; retried, never fails the scan')
    .option('--lookback-days <n>', 'usage lookback window', (v) => Number(v), 90)
    .option(
      '--report-dir <dir>',
      'where JSON, SARIF and Markdown reports are written (default <data dir>/reports)',
    )
    .option('--no-reports', 'do not write report files')
    .option('--format <f>', `stdout format: ${FORMATS.join(', ')}`, 'text')
    .option('--json', 'same as --format json')
    .action(
      (
        inputs: string[],
        o: AwsCollectCliOptions & {
          import?: string[];
          collect?: string;
          failOn?: string;
          webhook?: string;
          lookbackDays: number;
          reportDir?: string;
          reports: boolean;
          format: string;
          json?: boolean;
        },
      ) =>
        run(
          async () => {
            const format = o.json ? 'json' : o.format;
            if (!(FORMATS as readonly string[]).includes(format))
              throw usageError(`--format ${format}: use ${FORMATS.join(', ')}`);
            const failOn = o.failOn?.toLowerCase();
            if (failOn && !(SEVERITIES as readonly string[]).includes(failOn)) {
              throw usageError(`--fail-on ${o.failOn}: use ${SEVERITIES.join(', ')}`);
            }
            if (!Number.isInteger(o.lookbackDays) || o.lookbackDays < 1)
              throw usageError('--lookback-days: a whole number of days');
            if (o.webhook) checkWebhookUrl(o.webhook);
            const files = [...inputs, ...(o.import ?? [])];
            const collect = collectOptions(o);
            return withGraph({}, async (graph) => {
              const s = await runScan(graph, {
                inputs: files,
                ...(collect ? { collect } : {}),
                lookbackDays: o.lookbackDays,
                log: pipelineLog,
                onProgress: (e) => log.info(`${e.stage}: ${e.message}`, { stage: e.stage, pct: e.pct }),
              });
              const body = scanJson(s.diff, {
                scopes: s.analysis.scopes,
                previousScans: s.analysis.previousScans,
                ...(s.collection ? { collection: s.collection } : {}),
                totalFindings: s.analysis.findings,
                ms: s.ms,
                queryErrors: s.analysis.queries
                  .filter((q) => q.error)
                  .map((q) => ({ id: q.id, message: q.error })),
              });
              const queries = (await loadRegistry()).list();
              const sarif = findingsSarif(s.diff.newFindings, queries);
              const md = scanMarkdown(s.diff, { total: s.analysis.findings, ms: s.ms.total });
              if (o.reports) {
                const dir = path.resolve(o.reportDir ?? path.join(dataRoot(), 'reports'));
                mkdirSync(dir, { recursive: true });
                writeFileSync(path.join(dir, `${s.scan}.json`), `${JSON.stringify(body, null, 2)}\n`);
                writeFileSync(path.join(dir, `${s.scan}.sarif`), `${JSON.stringify(sarif, null, 2)}\n`);
                writeFileSync(path.join(dir, `${s.scan}.md`), md);
                log.info(`reports written to ${dir}`, { dir });
              }
              if (o.webhook) {
                // Receivers get at most WEBHOOK_MAX findings per list; the report files have all.
                const truncated =
                  s.diff.newFindings.length > WEBHOOK_MAX || s.diff.resolvedFindings.length > WEBHOOK_MAX;
                const w = await postWebhook(o.webhook, {
                  ...body,
                  new: s.diff.newFindings.slice(0, WEBHOOK_MAX),
                  resolved: s.diff.resolvedFindings.slice(0, WEBHOOK_MAX),
                  truncated,
                });
                if (w.delivered) log.info(`webhook delivered (HTTP ${w.status})`);
                else log.warn(`webhook not delivered after ${w.attempts} attempt(s): ${w.error}`);
              }
              if (format === 'json') printJson(body);
              else if (format === 'sarif') printJson(sarif);
              else if (format === 'markdown') process.stdout.write(md);
              else process.stdout.write(textSummary(s));
              if (failOn) {
                const min = SEVERITY_RANK[failOn as Severity];
                const hit = s.diff.newFindings.filter(
                  (f) => (SEVERITY_RANK[f.severity as Severity] ?? 0) >= min,
                );
                if (hit.length > 0) {
                  log.warn(`${hit.length} new finding(s) at or above ${failOn}`);
                  return ExitCode.failOn;
                }
              }
              return ExitCode.ok;
            });
          },
          o.json || o.format === 'json',
        ),
    );
}
