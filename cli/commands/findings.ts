import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Finding, type FindingStatus, listFindings } from '../../analyze/index.js';
import {
  findingsCsv,
  findingsMarkdown,
  findingsSarif,
  findingsTable,
  REPORT_FORMATS,
} from '../../analyze/report.js';
import { loadRegistry, SEVERITIES } from '../../cypher/registry.js';
import { usageError, withGraph } from '../context.js';

export function parseSeverities(v: string | undefined): string[] | undefined {
  if (!v) return undefined;
  const list = v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const out = new Set<string>();
  for (const s of list) {
    // "high+" means high and above.
    const plus = s.endsWith('+');
    const name = plus ? s.slice(0, -1) : s;
    const i = SEVERITIES.indexOf(name as (typeof SEVERITIES)[number]);
    if (i < 0)
      throw usageError(`--severity ${s}: use ${SEVERITIES.join(', ')} (optionally with + for "and above")`);
    for (const x of plus ? SEVERITIES.slice(0, i + 1) : [SEVERITIES[i]!]) out.add(x);
  }
  return [...out];
}

export function registerFindings(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('findings')
    .description(
      'Findings of the analyses (stable fingerprints across scans), as json, table, csv, sarif or markdown',
    )
    .option('--severity <list>', 'e.g. critical,high or high+ (high and above)')
    .option('--new', 'only findings first reported by the latest scan')
    .option('--status <s>', 'new, open or resolved (default: new and open)')
    .option('--all', 'include resolved findings')
    .option('--query <id>', 'only findings of this saved query')
    .option('--provider <p>', 'aws, azure or gcp')
    .option('--account <id>', 'account, subscription or project')
    .option('--scan <id>', 'findings reported by this analysis scan')
    .option('--limit <n>', 'findings at most', (v) => Number(v), 1000)
    .option('--format <f>', `output format: ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('--output <file>', 'write to a file instead of stdout')
    .option('--json', 'same as --format json')
    .action(
      (o: {
        severity?: string;
        new?: boolean;
        status?: string;
        all?: boolean;
        query?: string;
        provider?: string;
        account?: string;
        scan?: string;
        limit: number;
        format: string;
        output?: string;
        json?: boolean;
      }) =>
        run(
          () => {
            const format = o.json ? 'json' : o.format;
            if (!(REPORT_FORMATS as readonly string[]).includes(format))
              throw usageError(`--format ${format}: use ${REPORT_FORMATS.join(', ')}`);
            if (o.status && !['new', 'open', 'resolved'].includes(o.status))
              throw usageError(`--status ${o.status}: use new, open or resolved`);
            const severity = parseSeverities(o.severity);
            return withGraph({}, async (graph) => {
              const base = {
                ...(severity ? { severity } : {}),
                ...(o.query ? { query: o.query } : {}),
                ...(o.provider ? { provider: o.provider } : {}),
                ...(o.account ? { account: o.account } : {}),
                ...(o.scan ? { scan: o.scan } : {}),
                limit: o.limit,
              };
              let items: Finding[];
              let total: number;
              if (o.new || o.status) {
                ({ items, total } = await listFindings(graph, {
                  ...base,
                  status: (o.new ? 'new' : o.status) as FindingStatus,
                }));
              } else if (o.all) {
                ({ items, total } = await listFindings(graph, base));
              } else {
                const a = await listFindings(graph, { ...base, status: 'new' });
                const b = await listFindings(graph, { ...base, status: 'open' });
                items = [...a.items, ...b.items]
                  .sort(
                    (x, y) =>
                      ['critical', 'high', 'medium', 'low', 'info'].indexOf(x.severity) -
                      ['critical', 'high', 'medium', 'low', 'info'].indexOf(y.severity),
                  )
                  .slice(0, o.limit);
                total = a.total + b.total;
              }
              let text: string;
              if (format === 'json') text = `${JSON.stringify({ items, total }, null, 2)}\n`;
              else if (format === 'csv') text = findingsCsv(items);
              else if (format === 'sarif')
                text = `${JSON.stringify(findingsSarif(items, (await loadRegistry()).list()), null, 2)}\n`;
              else if (format === 'markdown') text = findingsMarkdown(items);
              else
                text =
                  findingsTable(items) +
                  (total > items.length ? `(${items.length} of ${total} shown)\n` : '');
              if (o.output) writeFileSync(o.output, text);
              else process.stdout.write(text);
            });
          },
          o.json || o.format === 'json',
        ),
    );
}
