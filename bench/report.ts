/** The Markdown form of a bench result (the JSON is the source of truth). */
import type { BenchResult } from './run.js';

const s = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
const n = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : v.toLocaleString('en-US');
const mib = (b: number | null | undefined) => (b ? `${(b / 1048576).toFixed(0)} MiB` : 'n/a');

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}

export function renderMarkdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`# permgraph bench, size ${r.size}, seed ${r.seed}`, '');
  out.push(
    `${r.startedAt} · ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${(r.machine.memBytes / 1024 ** 3).toFixed(0)} GiB, ${r.machine.platform} · ` +
      `Node ${r.versions.node}, Neo4j ${r.versions.neo4j} (heap ${r.memory.neo4jHeap}, page cache ${r.memory.neo4jPageCache}), ` +
      `permgraph ${r.versions.permgraph}, Cloudsplaining ${r.versions.cloudsplaining ?? 'n/a'}`,
    '',
  );
  const e = r.estate;
  out.push(
    table(
      [
        'estate',
        'accounts',
        'principals',
        'users',
        'groups',
        'roles',
        'customer policies',
        'planted paths',
        'size on disk',
        'generated in',
      ],
      [
        [
          `${r.size}-${r.seed}`,
          n(e.accounts),
          n(e.principals),
          n(e.counts.users),
          n(e.counts.groups),
          n(e.counts.roles),
          n(e.counts.customerPolicies),
          n(e.plantedPaths),
          mib(e.bytes),
          e.cached ? 'cached' : s(e.generateMs),
        ],
      ],
    ),
  );
  const c = r.ceiling && 'rowsPerSec' in r.ceiling ? r.ceiling : null;
  out.push('## Load: ours vs. the bulk-import ceiling', '');
  out.push(
    table(
      ['', 'node rows', 'rel rows', 'node rows/s', 'rel rows/s', 'all rows/s', 'time'],
      [
        [
          'permgraph loader (Bolt UNWIND batches)',
          n(r.load.nodeRows),
          n(r.load.relRows),
          n(r.load.nodeRowsPerSec),
          n(r.load.relRowsPerSec),
          n(r.load.rowsPerSec),
          `${s(r.load.writeMs)} write (+ ${s(r.load.convertMs)} convert)`,
        ],
        c
          ? [
              'neo4j-admin database import full',
              n(c.nodeRows),
              n(c.relRows),
              n(c.nodeRowsPerSec),
              n(c.relRowsPerSec),
              n(c.rowsPerSec),
              `${s(c.importMs ?? c.wallMs)} (wall ${s(c.wallMs)}, CSV ${s(c.csvMs)})`,
            ]
          : [
              'neo4j-admin database import full',
              r.ceiling && 'error' in r.ceiling ? `error: ${r.ceiling.error.slice(0, 200)}` : 'skipped',
              '',
              '',
              '',
              '',
              '',
            ],
        ['ratio ours / ceiling', '', '', '', '', c ? `${(c.ratio * 100).toFixed(1)} %` : 'n/a', ''],
      ],
    ),
  );
  out.push('## Stages', '');
  out.push(
    table(
      ['stage', 'time', 'detail'],
      [
        [
          'import (convert + load)',
          s(r.load.importMs),
          `${r.load.snapshots} snapshot(s): convert ${s(r.load.convertMs)}, validate ${s(r.load.validateMs)}, ` +
            `write nodes ${s(r.load.nodesMs)} + rels ${s(r.load.edgesMs)}, usage ${s(r.load.usageMs)} ` +
            `(${n(r.load.usageRows)} rows), cleanup ${s(r.load.cleanupMs)}, other (schema, journal) ${s(r.load.otherMs)}`,
        ],
        [
          'derive (deriveAll)',
          r.derive.available ? s(r.derive.ms) : 'n/a',
          r.derive.available
            ? `${n(r.derive.edges)} derived edges, ${n(r.derive.tierZero)} tier-zero`
            : 'no derive pass registered',
        ],
        [
          'analyze (all queries)',
          s(r.analyze.totalMs),
          r.analyze.available ? `${n(r.analyze.findings)} findings` : (r.analyze.note ?? ''),
        ],
        ['end to end (import + derive + analyze)', s(r.scan.endToEndMs), ''],
        [
          're-scan, unchanged estate',
          s(r.scan.rescanMs),
          `${r.scan.rescanVia}: ${Object.entries(r.scan.rescanStages)
            .map(([k, v]) => `${k} ${s(v)}`)
            .join(', ')}`,
        ],
        ['scan-to-scan diff', s(r.scan.diffMs), r.scan.diffNote ?? ''],
        [
          `tier-zero reachability (reverse BFS, <= ${r.tierZero.maxHops} hops)`,
          s(r.tierZero.ms),
          `${n(r.tierZero.tierZeroNodes)} tier-zero nodes, ${n(r.tierZero.principalsReaching)} principals reach one; planted found ${r.tierZero.plantedFound}/${r.tierZero.plantedTotal}`,
        ],
        ['graph after scan', '', `${n(r.graph.nodes)} nodes, ${n(r.graph.relationships)} relationships`],
      ],
    ),
  );
  if (r.analyze.queries.length > 0) {
    out.push('## Analyze, per query', '');
    out.push(
      table(
        ['query', 'time', 'rows'],
        r.analyze.queries.map((q) => [
          q.id,
          s(q.ms),
          q.error ? `error: ${q.error.slice(0, 120)}` : n(q.rows),
        ]),
      ),
    );
  }
  out.push('## Peak memory (RSS)', '');
  const phases = Object.entries(r.memory.peaksByPhase);
  out.push(
    table(
      ['process', 'peak (VmHWM)', ...(phases[0] ? Object.keys(phases[0][1]) : [])],
      [
        [
          'Node (bench process)',
          mib(r.memory.nodePeakRssBytes),
          ...Object.values(r.memory.peaksByPhase.node ?? {}).map(mib),
        ],
        [
          'Neo4j',
          mib(r.memory.neo4jPeakRssBytes),
          ...Object.keys(r.memory.peaksByPhase.node ?? {}).map((k) => mib(r.memory.peaksByPhase.neo4j?.[k])),
        ],
      ],
    ),
  );
  out.push('## Peer: Cloudsplaining on the same authorization-details files', '');
  const p = r.peer && 'policiesWith' in r.peer ? r.peer : null;
  if (p) {
    out.push(
      table(
        ['', 'time', 'privilege escalation', 'resource exposure', 'data exfiltration', 'planted paths found'],
        [
          [
            p.accountsTotal !== undefined && p.accounts < p.accountsTotal
              ? `Cloudsplaining ${p.version} (first ${p.accounts} of ${p.accountsTotal} accounts)`
              : `Cloudsplaining ${p.version}`,
            p.extrapolatedMs ? `${s(p.ms)} (all accounts: about ${s(p.extrapolatedMs)})` : s(p.ms),
            `${n(p.policiesWith.privilegeEscalation)} policies (${n(p.privilegeEscalationFindings)} findings), ${n(p.principalsWithPrivEsc)} principals`,
            `${n(p.policiesWith.resourceExposure)} policies`,
            `${n(p.policiesWith.dataExfiltration)} policies`,
            `${p.plantedFlagged}/${p.plantedTotal} (starting principal flagged)`,
          ],
          [
            'permgraph (import + derive + analyze)',
            s(p.ours.ms),
            `${n(p.ours.principalsReachingTierZero)} principals reach tier zero`,
            'see analyze',
            'see analyze',
            `${p.ours.plantedFound}/${p.ours.plantedTotal} (reach tier zero)`,
          ],
        ],
      ),
    );
  } else out.push(r.peer && 'error' in r.peer ? `Peer failed: ${r.peer.error}` : 'Peer skipped.', '');
  const unavailable = (name: string, v: unknown): string | null => {
    const o = (v ?? {}) as { available?: boolean; error?: string };
    if (!o.available) return `${name}: not available${o.error ? ` (${o.error})` : ''}`;
    if (o.error) return `${name}: error ${o.error}`;
    return null;
  };
  type Lat = { reqPerSec: number; p50: number; p95: number; p99: number; non2xx: number };
  const ms = (x: number | undefined) => (typeof x === 'number' ? `${Math.round(x)} ms` : 'n/a');
  out.push('## API and explorer', '');
  const apiMissing = unavailable('API load', r.api);
  const api = (r.api as { result?: Record<string, unknown> } | undefined)?.result;
  if (apiMissing || !api) out.push(apiMissing ?? 'API load: no result', '');
  else {
    const seq = (api.sequential ?? {}) as Record<string, Lat | undefined>;
    const rows = (['lookup', 'neighbourhood', 'paths'] as const)
      .filter((k) => api[k])
      .map((k) => {
        const l = api[k] as Lat;
        return [
          k,
          n(Math.round(l.reqPerSec)),
          ms(l.p50),
          ms(l.p95),
          ms(l.p99),
          n(l.non2xx),
          seq[k] ? `${ms(seq[k]!.p50)} / ${ms(seq[k]!.p95)}` : 'n/a',
        ];
      });
    out.push(
      `API load on ${n(Number(api.principals ?? 0))} principals, ${api.connections ?? '?'} connections, ${api.durationSec ?? '?'} s per scenario:`,
      '',
      table(['request', 'req/s', 'p50', 'p95', 'p99', 'non-2xx', 'one at a time p50 / p95'], rows),
    );
  }
  const exMissing = unavailable('Explorer', r.explorer);
  const ex = (r.explorer as { result?: { browser?: string; rows?: Record<string, unknown>[] } } | undefined)
    ?.result;
  if (exMissing || !ex?.rows) out.push(exMissing ?? 'Explorer: no result', '');
  else
    out.push(
      `Explorer in headless ${ex.browser ?? 'Chromium'}:`,
      '',
      table(
        ['nodes', 'edges', 'first paint', 'layout worker', 'longest task', 'long tasks', 'renderer CPU'],
        ex.rows.map((x) => [
          n(Number(x.nodes)),
          n(Number(x.edges)),
          ms(x.firstPaintMs as number),
          ms(x.workerMs as number),
          // Chromium reports tasks of 50 ms or more only.
          x.longTasks === 0 ? 'under 50 ms' : ms(x.longestTaskMs as number),
          String(x.longTasks ?? 'n/a'),
          ms(x.rendererCpuMs as number),
        ]),
      ),
    );
  out.push('## Targets', '');
  out.push(
    table(
      ['metric', 'target', 'value', 'met'],
      r.targets.map((t) => [t.name, t.target, t.value, t.met === null ? '-' : t.met ? 'yes' : '**no**']),
    ),
  );
  return out.join('\n');
}
