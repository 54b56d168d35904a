import type { Command } from 'commander';
import { findPaths, type PathsResult } from '../../cypher/paths.js';
import { EdgeSets, isEdgeSetName } from '../../cypher/schema/index.js';
import { usageError, withGraph } from '../context.js';
import { printJson } from '../ui.js';

export function formatPaths(r: PathsResult): string {
  if (r.paths.length === 0) return 'No path found.\n';
  const name = new Map(r.elements.nodes.map((n) => [n.data.id, n.data.label]));
  const out: string[] = [];
  r.paths.forEach((p, i) => {
    out.push(
      `${i + 1}. ${p.nodes.map((id) => name.get(id) ?? id).join(' -> ')}  (${p.length} hop${p.length === 1 ? '' : 's'})`,
    );
    for (const h of p.hops) {
      const tech = h.technique ? ` [${h.technique}]` : '';
      const cond = h.conditional ? ' (conditional)' : '';
      out.push(`   ${name.get(h.from) ?? h.from} --${h.type}${tech}--> ${name.get(h.to) ?? h.to}${cond}`);
      out.push(`      ${h.reason}`);
    }
  });
  return `${out.join('\n')}\n`;
}

export function registerPaths(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('paths')
    .description('Attack paths from a node to another node or to tier zero, every hop explained')
    .requiredOption('--from <id>', 'start node id (ARN, object id, member)')
    .requiredOption('--to <id|tier-zero>', 'end node id, or tier-zero for every admin-equivalent node')
    .option('--max-hops <n>', 'longest path considered (1-12)', (v) => Number(v), 8)
    .option('--edge-set <name>', `edge set to traverse (${Object.keys(EdgeSets).join(', ')})`, 'TRAVERSABLE')
    .option('--limit <n>', 'paths at most', (v) => Number(v), 25)
    .option('--json', 'machine-readable output')
    .action(
      (o: { from: string; to: string; maxHops: number; edgeSet: string; limit: number; json?: boolean }) =>
        run(
          () =>
            withGraph({}, async (graph) => {
              if (!isEdgeSetName(o.edgeSet))
                throw usageError(
                  `--edge-set ${o.edgeSet}: not an edge set (${Object.keys(EdgeSets).join(', ')})`,
                );
              const toTierZero = o.to === 'tier-zero';
              const r = await findPaths(graph, {
                from: o.from,
                ...(toTierZero ? { toTierZero: true } : { to: o.to }),
                maxHops: o.maxHops,
                edgeTypes: [...EdgeSets[o.edgeSet]],
                limit: o.limit,
              });
              if (o.json) printJson(r);
              else process.stdout.write(formatPaths(r));
            }),
          o.json,
        ),
    );
}
