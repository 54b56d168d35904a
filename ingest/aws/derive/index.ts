/**
 * The AWS derive pass against the graph: read the collected AWS data back (every loaded
 * account), evaluate, and replace the derived edges and tier-zero marks. Skipped when the
 * collected input has not changed since the last pass, unless forced.
 */
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type { Graph } from '../../../cypher/db/graph.js';
import { labelsFor } from '../../../cypher/schema/index.js';
import {
  dumpProviderSnapshot,
  EdgeSpill,
  lastDeriveVersion,
  loadDerived,
  providerInputVersion,
} from '../../load/derived.js';
import type { DeriveSummary, ImportContext } from '../../pipeline.js';
import { loadCatalog } from '../policy/index.js';
import { deriveAws } from './engine.js';
import { heapAdvice } from './heap.js';
import { adminNodeId } from './model.js';

export { type DeriveOutput, deriveAws } from './engine.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const heapMiB = () => Math.round(process.memoryUsage().heapUsed / 2 ** 20);
const pct = (part: number, total: number) => `${Math.round((100 * part) / Math.max(total, 1))} %`;

/** The synthetic per-account AWSAdmin node escalation edges point at (created if the snapshot lacks it). */
async function ensureAdminNodes(graph: Graph, accounts: string[]): Promise<void> {
  if (accounts.length === 0) return;
  const labels = labelsFor('AWSAdmin').slice(1).join(':');
  await graph.write(
    `UNWIND $accounts AS acct
     MERGE (n:Entity {id: 'aws-admin:' + acct})
     ON CREATE SET n:${labels}, n.kind = 'AWSAdmin', n.provider = 'aws', n.name = 'admin of ' + acct,
       n.scope = 'aws:' + acct, n.account = acct, n.accountId = acct, n.firstSeen = datetime(), n.lastSeen = datetime()`,
    { accounts },
  );
}

/** Reads the collected AWS data and runs the pass into `spill`; the snapshot is dropped on return. */
async function evaluate(graph: Graph, spill: EdgeSpill, now: Date, log: ImportContext['log']) {
  const t0 = Date.now();
  const snap = await dumpProviderSnapshot(graph, 'aws');
  const readMs = Date.now() - t0;
  const principals = snap.nodes.filter(
    (n) => !n.stub && (n.kind === 'AWSUser' || n.kind === 'AWSRole'),
  ).length;
  const advice = heapAdvice(principals);
  if (advice) log(advice, { principals, warning: 'heap' });
  const catalog = await loadCatalog();
  const out = deriveAws(snap, catalog, now, (e) => spill.add(e));
  const missingAdmins = out.adminAccounts.filter((a) => !snap.nodes.some((n) => n.id === adminNodeId(a)));
  return { out, missingAdmins, readMs };
}

export async function deriveAwsGraph(
  graph: Graph,
  opts: { force?: boolean; log: ImportContext['log']; now?: Date },
): Promise<DeriveSummary> {
  const t0 = Date.now();
  const inputVersion = await providerInputVersion(graph, 'aws');
  const last = await lastDeriveVersion(graph, 'aws');
  if (!opts.force && last !== null && last === inputVersion) {
    opts.log('aws derive: input unchanged, skipped (use --force to rebuild)');
    return { provider: 'aws', run: '', edges: 0, tierZero: 0, ms: Date.now() - t0, skipped: true };
  }
  // Edges go to temporary files partitioned by source as they are emitted; the writer reads
  // one partition at a time, so memory does not grow with the number of derived edges.
  const spill = new EdgeSpill();
  if (spill.stale.length > 0)
    opts.log(
      `aws derive: removed ${spill.stale.length} spill directories of derive passes that did not finish`,
      {
        removed: spill.stale,
      },
    );
  try {
    const { out, missingAdmins, readMs } = await evaluate(graph, spill, opts.now ?? new Date(), opts.log);
    const tEval = Date.now();
    opts.log(
      `aws derive: ${spill.count} edges, ${out.tierZero.length} tier-zero nodes (read ${secs(readMs)}, evaluate ${secs(tEval - t0 - readMs)})`,
      {
        ...out.stats,
        ...out.timings,
        readMs,
        evaluateMs: tEval - t0 - readMs,
        heapUsedMiB: heapMiB(),
        heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      },
    );
    await ensureAdminNodes(graph, missingAdmins);
    const run = `aws-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
    const r = await loadDerived(graph, 'aws', run, spill, out.tierZero, { inputVersion });
    const total = Date.now() - t0;
    opts.log(
      `aws derive: written ${r.edges} edges in ${secs(Date.now() - tEval)} (edges ${secs(r.phases.edges)} at ${r.edgeRowsPerSec} rows/s in ${r.transactions} transactions, prune ${secs(r.phases.prune)}, tier-zero ${secs(r.phases.tierZero)}, other ${secs(r.phases.other)}); total ${secs(total)}: read ${pct(readMs, total)}, evaluate ${pct(tEval - t0 - readMs, total)}, write ${pct(Date.now() - tEval, total)}`,
      {
        writeMs: Date.now() - tEval,
        pruned: r.pruned,
        ...r.phases,
        transactions: r.transactions,
        edgeRowsPerSec: r.edgeRowsPerSec,
      },
    );
    return { provider: 'aws', run, edges: r.edges, tierZero: r.tierZero, ms: total };
  } finally {
    spill.dispose();
  }
}
