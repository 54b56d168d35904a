import type { Command } from 'commander';
import { findPaths, type PathsResult, tierZeroReach } from '../../cypher/paths.js';
import { loadQueryConfig } from '../../cypher/query-config.js';
import { EdgeSets, isEdgeSetName } from '../../cypher/schema/index.js';
import { usageError, withGraph } from '../context.js';
import { printJson } from '../ui.js';

export interface PathEnd {
  id: string;
  name: string;
  provider: string;
  kind: string;
}

/** The JSON contract of `paths`: one element per path, shortest first, every hop explained. */
export interface PathJson {
  source: PathEnd;
  target: PathEnd;
  length: number;
  hops: {
    from: string;
    to: string;
    type: string;
    technique: string | null;
    conditional: boolean;
    reason: string;
    grantedBy?: unknown;
  }[];
}

export function pathsJson(r: PathsResult): PathJson[] {
  const nodes = new Map(r.elements.nodes.map((n) => [n.data.id, n.data]));
  const end = (id: string): PathEnd => {
    const n = nodes.get(id);
    return { id, name: n?.label ?? id, provider: n?.provider ?? '', kind: n?.kind ?? '' };
  };
  return r.paths
    .map((p) => ({
      source: end(p.nodes[0]!),
      target: end(p.nodes[p.nodes.length - 1]!),
      length: p.length,
      hops: p.hops.map((h) => ({
        from: h.from,
        to: h.to,
        type: h.type,
        technique: h.technique ?? null,
        conditional: h.conditional,
        reason: h.reason,
        ...(h.grantedBy !== undefined ? { grantedBy: h.grantedBy } : {}),
      })),
    }))
    .sort((a, b) => a.length - b.length || a.source.id.localeCompare(b.source.id));
}

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
    .option(
      '--from <id>',
      'start node id (ARN, object id, member); without it, with --to tier-zero: every principal that reaches tier zero',
    )
    .requiredOption('--to <id|tier-zero>', 'end node id, or tier-zero for every admin-equivalent node')
    .option('--max-hops <n>', 'longest path considered (1-12)', (v) => Number(v), 8)
    .option('--edge-set <name>', `edge set to traverse (${Object.keys(EdgeSets).join(', ')})`, 'TRAVERSABLE')
    .option('--limit <n>', 'paths at most (default 25 from one node, 10000 principals without --from)', (v) =>
      Number(v),
    )
    .option('--format <format>', 'table or json', 'table')
    .option('--json', 'machine-readable output (same as --format json)')
    .action(
      (o: {
        from?: string;
        to: string;
        maxHops: number;
        edgeSet: string;
        limit?: number;
        format: string;
        json?: boolean;
      }) =>
        run(
          () =>
            withGraph({}, async (graph) => {
              if (!isEdgeSetName(o.edgeSet))
                throw usageError(
                  `--edge-set ${o.edgeSet}: not an edge set (${Object.keys(EdgeSets).join(', ')})`,
                );
              if (o.format !== 'table' && o.format !== 'json')
                throw usageError(`--format ${o.format}: expected table or json`);
              const json = Boolean(o.json) || o.format === 'json';
              const toTierZero = o.to === 'tier-zero';
              const edgeTypes = [...EdgeSets[o.edgeSet]];
              let r: PathsResult;
              if (o.from === undefined) {
                if (!toTierZero) throw usageError('--from is required unless --to is tier-zero');
                r = await tierZeroReach(graph, {
                  // A whole-estate search is a batch job: at least the analyses' five minutes.
                  timeoutMs: Math.max(loadQueryConfig().timeoutMs, 300_000),
                  maxHops: o.maxHops,
                  edgeTypes,
                  ...(o.limit !== undefined ? { limit: o.limit } : {}),
                });
              } else {
                r = await findPaths(graph, {
                  from: o.from,
                  ...(toTierZero ? { toTierZero: true } : { to: o.to }),
                  maxHops: o.maxHops,
                  edgeTypes,
                  limit: o.limit ?? 25,
                });
              }
              const limit = o.limit ?? (o.from === undefined ? 10_000 : 25);
              if (r.paths.length >= limit)
                process.stderr.write(
                  `stopped at --limit ${limit} ${o.from === undefined ? 'principals' : 'paths'}; there may be more (raise --limit)\n`,
                );
              if (json) printJson(pathsJson(r));
              else process.stdout.write(formatPaths(r));
            }),
          Boolean(o.json) || o.format === 'json',
        ),
    );
}
