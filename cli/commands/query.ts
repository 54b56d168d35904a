import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { csvField } from '../../analyze/report.js';
import type { Graph } from '../../cypher/db/graph.js';
import { type GuardedResult, runGuarded } from '../../cypher/guard.js';
import { loadRegistry } from '../../cypher/registry.js';
import { runSavedQuery } from '../../cypher/saved.js';
import { usageError, withGraph } from '../context.js';
import { printJson, table } from '../ui.js';

const FORMATS = ['json', 'table', 'csv'] as const;

function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw usageError(`--param ${p}: expected name=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function rowsCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function registerQuery(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('query')
    .description(
      'Saved queries: `query list`, `query <id> [--param k=v]` (or `query run <id>`), or ad hoc read-only Cypher with --cypher / --file',
    )
    .argument('[args...]', 'list | run <id> | <id>')
    .option(
      '--param <k=v>',
      'query parameter (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--cypher <text>', 'run this read-only Cypher instead of a saved query')
    .option('--file <path>', 'run the read-only Cypher in this file')
    .option('--format <f>', `output format: ${FORMATS.join(', ')}`, 'table')
    .option('--limit <n>', 'rows at most (default PERMGRAPH_QUERY_ROW_LIMIT)', (v) => Number(v))
    .option('--json', 'same as --format json')
    .action(
      (
        args: string[],
        o: {
          param: string[];
          cypher?: string;
          file?: string;
          format: string;
          limit?: number;
          json?: boolean;
        },
      ) =>
        run(
          async () => {
            const format = o.json ? 'json' : o.format;
            if (!(FORMATS as readonly string[]).includes(format))
              throw usageError(`--format ${format}: use ${FORMATS.join(', ')}`);
            const registry = await loadRegistry();
            const [first, second] = args;
            if (first === 'list') {
              const items = registry.list().map(({ cypher: _c, file: _f, ...q }) => q);
              if (format === 'json') printJson(items);
              else
                process.stdout.write(
                  table(
                    items.map((q) => ({
                      id: q.id,
                      category: q.category,
                      severity: q.severity,
                      result: q.result,
                      title: q.title,
                    })),
                  ),
                );
              return;
            }
            const id = first === 'run' ? second : first;
            let run: (graph: Graph) => Promise<GuardedResult>;
            const opts = o.limit ? { rowLimit: o.limit } : {};
            if (o.cypher !== undefined || o.file !== undefined) {
              if (id) throw usageError('give either a saved query id or --cypher / --file, not both');
              if (o.cypher !== undefined && o.file !== undefined)
                throw usageError('give --cypher or --file, not both');
              const cypher = o.cypher ?? readFileSync(o.file!, 'utf8');
              const params = parseParams(o.param);
              run = (graph) => runGuarded(graph, cypher, params, opts);
            } else {
              if (!id) throw usageError('name a saved query (see `permgraph query list`) or give --cypher');
              const q = registry.get(id);
              if (!q) throw usageError(`no saved query "${id}" (see \`permgraph query list\`)`);
              const values = registry.validateParams(q, parseParams(o.param));
              run = (graph) => runSavedQuery(graph, q, values, opts);
            }
            return withGraph({}, async (graph) => {
              const r = await run(graph);
              if (format === 'json') printJson(r);
              else if (format === 'csv') process.stdout.write(rowsCsv(r.columns, r.rows));
              else {
                process.stdout.write(table(r.rows, r.columns));
                process.stderr.write(
                  `${r.rows.length} row(s)${r.truncated ? ' (truncated at the row limit)' : ''} in ${r.ms} ms\n`,
                );
              }
            });
          },
          o.json || o.format === 'json',
        ),
    );
}
