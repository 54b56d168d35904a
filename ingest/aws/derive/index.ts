/**
 * The AWS derive pass against the graph: read the collected AWS data back (every loaded
 * account), evaluate, and replace the derived edges and tier-zero marks. Skipped when the
 * collected input has not changed since the last pass, unless forced.
 */
import { randomUUID } from 'node:crypto';
import type { Graph } from '../../../cypher/db/graph.js';
import { labelsFor } from '../../../cypher/schema/index.js';
import {
  dumpProviderSnapshot,
  lastDeriveVersion,
  loadDerived,
  providerInputVersion,
} from '../../load/derived.js';
import type { DeriveSummary, ImportContext } from '../../pipeline.js';
import { loadCatalog } from '../policy/index.js';
import { deriveAws } from './engine.js';
import { adminNodeId } from './model.js';

export { type DeriveOutput, deriveAws } from './engine.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
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
  const snap = await dumpProviderSnapshot(graph, 'aws');
  const tRead = Date.now();
  const catalog = await loadCatalog();
  const out = deriveAws(snap, catalog, opts.now ?? new Date());
  const tEval = Date.now();
  opts.log(
    `aws derive: ${out.edges.length} edges, ${out.tierZero.length} tier-zero nodes (read ${secs(tRead - t0)}, evaluate ${secs(tEval - tRead)})`,
    { ...out.stats, ...out.timings, readMs: tRead - t0, evaluateMs: tEval - tRead },
  );
  await ensureAdminNodes(
    graph,
    out.adminAccounts.filter((a) => !snap.nodes.some((n) => n.id === adminNodeId(a))),
  );
  const run = `aws-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
  const r = await loadDerived(graph, 'aws', run, out.edges, out.tierZero, { inputVersion });
  const total = Date.now() - t0;
  opts.log(
    `aws derive: written ${r.edges} edges in ${secs(Date.now() - tEval)} (edges ${secs(r.phases.edges)} at ${r.edgeRowsPerSec} rows/s in ${r.transactions} transactions, prune ${secs(r.phases.prune)}, tier-zero ${secs(r.phases.tierZero)}, other ${secs(r.phases.other)}); total ${secs(total)}: read ${pct(tRead - t0, total)}, evaluate ${pct(tEval - tRead, total)}, write ${pct(Date.now() - tEval, total)}`,
    {
      writeMs: Date.now() - tEval,
      pruned: r.pruned,
      ...r.phases,
      transactions: r.transactions,
      edgeRowsPerSec: r.edgeRowsPerSec,
    },
  );
  return { provider: 'aws', run, edges: r.edges, tierZero: r.tierZero, ms: total };
}
