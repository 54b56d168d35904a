import type { Command } from 'commander';
import { graphStats } from '../../cypher/stats.js';
import { withGraph } from '../context.js';
import { printJson, table } from '../ui.js';

export function registerStats(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('stats')
    .description('Counts per label and relationship type, and the state of each scope')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      run(
        () =>
          withGraph({}, async (graph) => {
            const s = await graphStats(graph);
            if (o.json) {
              printJson(s);
              return;
            }
            const rows = (m: Record<string, number>) =>
              Object.entries(m).map(([name, count]) => ({ name, count }));
            process.stdout.write(`Nodes: ${s.totals.nodes}  Relationships: ${s.totals.relationships}\n\n`);
            process.stdout.write(table(rows(s.labels), ['name', 'count']));
            process.stdout.write('\n');
            process.stdout.write(table(rows(s.relationships), ['name', 'count']));
            if (s.scopes.length > 0) {
              process.stdout.write('\n');
              process.stdout.write(
                table(s.scopes, ['id', 'lastCompleteScan', 'lastCompleteAt', 'stale', 'staleReason']),
              );
            }
          }),
        o.json,
      ),
    );
}
