import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { listScopes, resetAll, resetScope } from '../../ingest/load/reset.js';
import { usageError, withGraph } from '../context.js';
import { printJson } from '../ui.js';

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw usageError('refusing to delete without confirmation: pass --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerReset(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('reset')
    .description("Delete one scope's data (--scope aws:123456789012) or everything (--all)")
    .option('--scope <scope>', 'scope to delete, e.g. aws:123456789012')
    .option('--all', 'delete every scope, scan and finding (API tokens are kept)')
    .option('--include-tokens', 'with --all, delete API tokens too')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output')
    .action((o: { scope?: string; all?: boolean; includeTokens?: boolean; yes?: boolean; json?: boolean }) =>
      run(async () => {
        if (Boolean(o.scope) === Boolean(o.all))
          throw usageError('give exactly one of --scope <scope> or --all');
        return withGraph({}, async (graph) => {
          if (o.scope) {
            const scopes = await listScopes(graph);
            if (!scopes.includes(o.scope)) {
              throw usageError(
                `no data for scope ${o.scope}${scopes.length ? ` (known: ${scopes.join(', ')})` : ''}`,
              );
            }
          }
          const what = o.all ? 'EVERY scope, scan and finding' : `all data of ${o.scope}`;
          if (!o.yes && !(await confirm(`Delete ${what}?`))) {
            process.stderr.write('Nothing deleted.\n');
            return 1;
          }
          const r = o.all
            ? await resetAll(graph, { includeTokens: Boolean(o.includeTokens) })
            : await resetScope(graph, o.scope!);
          if (o.json) printJson({ deleted: r });
          else process.stdout.write(`Deleted ${r.nodes} nodes, ${r.scans} scans, ${r.findings} findings.\n`);
          return 0;
        });
      }, o.json),
    );
}
