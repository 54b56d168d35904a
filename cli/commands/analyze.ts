import type { Command } from 'commander';
import type { Graph } from '../../cypher/db/graph.js';
import { type DeriveSummary, deriveAll } from '../../ingest/pipeline.js';
import { withGraph } from '../context.js';
import { log, printJson, table } from '../ui.js';

export interface AnalyzeOptions {
  force?: boolean;
}

export interface AnalyzeResult {
  derived: DeriveSummary[];
}

/**
 * Step 1 of analyze: make derived edges and tier-zero marks current for what is loaded
 * (skipped per provider when its input did not change, unless forced).
 */
export async function deriveStep(graph: Graph, opts: AnalyzeOptions): Promise<DeriveSummary[]> {
  return deriveAll(graph, { force: Boolean(opts.force), log: (m, f) => log.info(m, f) });
}

/** `permgraph analyze`: derive, then (as the analyses land) the saved analyses. */
export async function analyze(graph: Graph, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const derived = await deriveStep(graph, opts);
  return { derived };
}

export function registerAnalyze(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('analyze')
    .description('Make derived access and escalation edges and tier-zero marks current for what is loaded')
    .option('--force', 'rebuild derived data even if the loaded input has not changed')
    .option('--json', 'machine-readable output')
    .action((o: { force?: boolean; json?: boolean }) =>
      run(
        () =>
          withGraph({}, async (graph) => {
            const r = await analyze(graph, { force: Boolean(o.force) });
            if (o.json) {
              printJson(r);
              return;
            }
            process.stdout.write(
              table(
                r.derived.map((d) => ({
                  provider: d.provider,
                  status: d.skipped ? 'unchanged (skipped)' : 'derived',
                  edges: d.skipped ? '' : d.edges,
                  'tier zero': d.skipped ? '' : d.tierZero,
                  seconds: (d.ms / 1000).toFixed(1),
                })),
              ),
            );
          }),
        o.json,
      ),
    );
}
