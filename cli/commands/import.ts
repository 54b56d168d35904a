import type { Command } from 'commander';
import { importFiles } from '../../ingest/pipeline.js';
import { withGraph } from '../context.js';
import { log, pipelineLog, printJson, progressReporter, table } from '../ui.js';

export function registerImport(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('import')
    .description('Validate and load snapshots or files permgraph recognises (several files load together)')
    .argument('<files...>', 'snapshot JSON files, or provider exports such as AWS authorization details')
    .option('--batch-size <n>', 'rows per transaction', (v) => Number(v), 10_000)
    .option('--json', 'machine-readable output')
    .action((files: string[], o: { batchSize: number; json?: boolean }) =>
      run(
        () =>
          withGraph({}, async (graph) => {
            const bars = new Map<string, ReturnType<typeof progressReporter>>();
            const r = await importFiles(graph, files, {
              log: pipelineLog,
              batchSize: o.batchSize,
              onProgress: (file, p) => {
                let bar = bars.get(file);
                if (!bar) {
                  bar = progressReporter(`load ${file.split('/').pop()}`);
                  bars.set(file, bar);
                }
                bar.update(p);
                if (p.phase === 'done') bar.stop();
              },
            });
            for (const w of r.warnings) log.warn(w);
            if (o.json) {
              printJson(r);
              return;
            }
            process.stdout.write(
              table(
                r.loads.map((l) => ({
                  scan: l.scanId,
                  nodes: l.nodes,
                  edges: l.edges,
                  gaps: l.gaps,
                  'node rows/s': l.alreadyLoaded ? 'already loaded' : l.nodeRowsPerSec,
                  'rel rows/s': l.alreadyLoaded ? '' : l.relRowsPerSec,
                  removed: l.cleaned.nodes + l.cleaned.edges,
                  seconds: (l.ms.total / 1000).toFixed(1),
                })),
              ),
            );
            for (const d of r.derived) {
              process.stdout.write(
                `derived ${d.provider}: ${d.edges} edges, ${d.tierZero} tier-zero nodes in ${(d.ms / 1000).toFixed(1)} s\n`,
              );
            }
          }),
        o.json,
      ),
    );
}
