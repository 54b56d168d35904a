import type { Command } from 'commander';
import { type AnalyzeSummary, runAnalyses } from '../../analyze/index.js';
import type { Graph } from '../../cypher/db/graph.js';
import { type DeriveSummary, deriveAll } from '../../ingest/pipeline.js';
import { usageError, withGraph } from '../context.js';
import { pipelineLog, printJson, table } from '../ui.js';

export interface AnalyzeOptions {
  force?: boolean;
  /** Only make derived data current; skip the saved analyses (findings, PCI). */
  deriveOnly?: boolean;
  lookbackDays?: number;
}

export interface AnalyzeResult {
  derived: DeriveSummary[];
  analysis?: AnalyzeSummary;
}

/**
 * Step 1 of analyze: make derived edges and tier-zero marks current for what is loaded
 * (skipped per provider when its input did not change, unless forced).
 */
export async function deriveStep(graph: Graph, opts: AnalyzeOptions): Promise<DeriveSummary[]> {
  return deriveAll(graph, { force: Boolean(opts.force), log: pipelineLog });
}

/** `permgraph analyze`: derive, then the saved analyses (findings with fingerprints, PCI). */
export async function analyze(graph: Graph, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const derived = await deriveStep(graph, opts);
  if (opts.deriveOnly) return { derived };
  const analysis = await runAnalyses(graph, {
    log: pipelineLog,
    ...(opts.lookbackDays !== undefined ? { lookbackDays: opts.lookbackDays } : {}),
  });
  return { derived, analysis };
}

export function registerAnalyze(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('analyze')
    .description(
      'Make derived access and escalation edges and tier-zero marks current for what is loaded, then run the saved analyses (findings, PCI)',
    )
    .option('--force', 'rebuild derived data even if the loaded input has not changed')
    .option('--derive-only', 'only make derived data current; no findings')
    .option('--lookback-days <n>', 'usage lookback window for unused-permission analyses', (v) => Number(v))
    .option('--json', 'machine-readable output')
    .action((o: { force?: boolean; deriveOnly?: boolean; lookbackDays?: number; json?: boolean }) =>
      run(
        () =>
          withGraph({}, async (graph) => {
            if (o.lookbackDays !== undefined && (!Number.isInteger(o.lookbackDays) || o.lookbackDays < 1))
              throw usageError('--lookback-days: expected a whole number of days, at least 1');
            const r = await analyze(graph, {
              force: Boolean(o.force),
              deriveOnly: Boolean(o.deriveOnly),
              ...(o.lookbackDays !== undefined ? { lookbackDays: o.lookbackDays } : {}),
            });
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
            const a = r.analysis;
            if (a)
              process.stdout.write(
                `\nanalysis ${a.scan}: ${a.queries.length} queries, ${a.findings} findings ` +
                  `(${a.newFindings} new, ${a.resolvedFindings} resolved, ${a.newHighRisk} new high-risk); ` +
                  `PCI high ${a.pci.high}, medium ${a.pci.medium}, low ${a.pci.low}; ${(a.ms / 1000).toFixed(1)} s\n` +
                  'See `permgraph findings` and `permgraph paths --to tier-zero`.\n',
              );
          }),
        o.json,
      ),
    );
}
