import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { graphStats } from '../../cypher/stats.js';
import { importFiles } from '../../ingest/pipeline.js';
import { withGraph } from '../context.js';
import { log, table } from '../ui.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function registerDemo(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('demo')
    .description(
      'Start the local Neo4j if needed, load the example estate shipped in the repo, and print counts',
    )
    .action(() =>
      run(() =>
        withGraph({}, async (graph) => {
          const file = path.join(ROOT, 'examples', 'aws-example.snapshot.json');
          const r = await importFiles(graph, [file], { log: (m, f) => log.info(m, f) });
          const l = r.loads[0]!;
          log.info(
            l.alreadyLoaded
              ? 'Example estate already loaded (nothing to do)'
              : `Loaded ${l.nodes} nodes and ${l.edges} relationships`,
          );
          const s = await graphStats(graph);
          process.stdout.write(
            `Graph at ${graph.uri}: ${s.totals.nodes} nodes, ${s.totals.relationships} relationships\n`,
          );
          process.stdout.write(
            table(Object.entries(s.labels).map(([name, count]) => ({ label: name, count }))),
          );
        }),
      ),
    );
}
