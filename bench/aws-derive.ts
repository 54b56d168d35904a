/**
 * Benchmark: the AWS derive pass (policy evaluation + technique tables) on a synthetic
 * account, in process, without Neo4j. `node dist/bench/aws-derive.js [roles] [users] [out.json]`;
 * with an output file it also writes the snapshot so `permgraph import` + `analyze` can be timed.
 */
import { writeFileSync } from 'node:fs';
import { deriveAws } from '../ingest/aws/derive/index.js';
import { loadCatalog } from '../ingest/aws/policy/index.js';
import { syntheticAwsEstate } from './aws-estate.js';

const roles = Number(process.argv[2] ?? 1000);
const users = Number(process.argv[3] ?? 200);
const snap = syntheticAwsEstate({ roles, users });
if (process.argv[4]) writeFileSync(process.argv[4], JSON.stringify(snap));
const t0 = Date.now();
const catalog = await loadCatalog();
const t1 = Date.now();
const out = deriveAws(snap, catalog);
const t2 = Date.now();
console.log(
  JSON.stringify({
    roles,
    users,
    catalogMs: t1 - t0,
    deriveMs: t2 - t1,
    edges: out.edges.length,
    tierZero: out.tierZero.length,
    stats: out.stats,
  }),
);
