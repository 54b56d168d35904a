/**
 * API load benchmark: autocannon at 16 connections against `permgraph serve` on an estate of at
 * least 20,000 principals (the generator's M estate, imported and derived, when the graph has
 * fewer). Three runs: node lookup (GET /nodes/{id}), neighbourhood (GET /nodes/{id}/neighbours)
 * and paths (GET /paths to tier zero, 8 hops); each reports p50/p95/p99, requests per second
 * and non-2xx counts. Each scenario also sends `--sequential` requests (default 200) one at a
 * time: single-request latency, which other load on a shared machine disturbs far less than the
 * 16-connection figures. The load average is recorded before and after. Timings are reported,
 * never asserted.
 *
 *   npm run bench:api [-- --duration 20 --connections 16 --seed 1 --sequential 200 --only lookup,paths]
 *
 * `runApiLoad({ graph, log })` is what `npm run bench` calls.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import '../cli/providers.js';
import { dataRoot } from '../cypher/db/config.js';
import { connectGraph, type Graph } from '../cypher/db/graph.js';
import { errorMessage } from '../cypher/errors.js';
import { generateAwsEstate } from '../ingest/generate/aws-estate.js';
import { importFiles } from '../ingest/pipeline.js';
import { startServer } from '../server/server.js';
import { createToken, revokeToken } from '../server/tokens.js';

export interface LatencySummary {
  requests: number;
  reqPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  status5xx: number;
  errors: number;
}

export type Scenario = 'lookup' | 'neighbourhood' | 'paths';

export interface ApiLoadResult {
  principals: number;
  connections: number;
  durationSec: number;
  lookup: LatencySummary | null;
  neighbourhood: LatencySummary | null;
  paths: LatencySummary | null;
  /** The same scenarios, one request at a time (`sequential` requests each). */
  sequential: Partial<Record<Scenario, LatencySummary>>;
  /** 1-minute load average when the runs started and when they ended. */
  loadAverage: { start: number; end: number };
  estate: { generated: boolean; importMs: number | null };
}

export interface ApiLoadOptions {
  graph?: Graph;
  log?: (message: string) => void;
  connections?: number;
  durationSec?: number;
  seed?: number;
  /** Generate and import the M estate when the graph has fewer principals than this. */
  minPrincipals?: number;
  /** Where the generated estate is kept between runs. */
  workDir?: string;
  /** Sequential requests per scenario (0: none). */
  sequential?: number;
  /** Scenarios to run (default all three). */
  only?: Scenario[];
}

const PRINCIPALS_CYPHER = `MATCH (n:Principal) WHERE NOT n:External AND coalesce(n.stub, false) = false RETURN count(n) AS c`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 100) / 100;
}

function runWorker(job: {
  url: string;
  token: string;
  paths: string[];
  connections: number;
  durationSec: number;
  sequential?: number;
}): Promise<LatencySummary> {
  // From dist/ the worker is a sibling; from the TypeScript sources (vitest) use the build.
  let here = new URL('./api-load-worker.js', import.meta.url);
  if (!existsSync(here)) here = new URL('../dist/bench/api-load-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const w = new Worker(here, { workerData: job });
    w.once('error', reject);
    w.once(
      'message',
      (m: {
        latencies: number[];
        statuses: Record<string, number>;
        errors: number;
        timeouts: number;
        requests: number;
        durationSec: number;
      }) => {
        const sorted = [...m.latencies].sort((a, b) => a - b);
        const total = sorted.length;
        let non2xx = 0;
        let s5 = 0;
        for (const [code, n] of Object.entries(m.statuses)) {
          if (!code.startsWith('2')) non2xx += n;
          if (code.startsWith('5')) s5 += n;
        }
        resolve({
          requests: total,
          reqPerSec: Math.round((total / Math.max(1, m.durationSec)) * 10) / 10,
          p50: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          p99: percentile(sorted, 99),
          max: sorted.at(-1) ?? 0,
          non2xx,
          status5xx: s5,
          errors: m.errors + m.timeouts,
        });
        void w.terminate();
      },
    );
  });
}

async function ensureEstate(
  graph: Graph,
  o: Required<Pick<ApiLoadOptions, 'minPrincipals' | 'seed' | 'workDir'>>,
  log: (m: string) => void,
) {
  const have = Number((await graph.read(PRINCIPALS_CYPHER))[0]?.c ?? 0);
  if (have >= o.minPrincipals) return { principals: have, generated: false, importMs: null };
  const dir = path.join(o.workDir, `estate-M-${o.seed}`);
  if (!existsSync(path.join(dir, 'permgraph-aws-collection.json'))) {
    log(`api-load: generating the M estate (20,000 principals, seed ${o.seed}) into ${dir}`);
    mkdirSync(dir, { recursive: true });
    await generateAwsEstate({ size: 'M', seed: o.seed, out: dir, log });
  }
  log(`api-load: the graph has ${have} principals; importing and deriving the M estate`);
  const t0 = Date.now();
  await importFiles(graph, [dir], { log: (m) => log(`api-load: ${m}`) });
  const importMs = Date.now() - t0;
  const now = Number((await graph.read(PRINCIPALS_CYPHER))[0]?.c ?? 0);
  return { principals: now, generated: true, importMs };
}

/** Spreads a sample over the whole list (a fixed stride, no randomness). */
function pick<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)]!);
}

/** Request paths for each scenario, from ids sampled in the graph (deterministic order). */
async function samplePaths(graph: Graph) {
  const ids = (
    await graph.read(
      `MATCH (n:Identity) WHERE NOT n:External AND coalesce(n.stub, false) = false
       RETURN n.id AS id ORDER BY n.id`,
    )
  ).map((r) => String(r.id));
  const escalating = (
    await graph.read(
      `MATCH (n:Identity)-[r]->() WHERE r.derived = true AND type(r) <> 'CAN_ACCESS'
       RETURN DISTINCT n.id AS id ORDER BY id LIMIT 2000`,
    )
  ).map((r) => String(r.id));
  const sample = pick(ids, 1000);
  const enc = encodeURIComponent;
  // Paths: half from principals with escalation edges, half from any principal (often no path).
  const fromIds = [...pick(escalating, 100), ...pick(ids, 100)];
  return {
    lookup: sample.map((id) => `/api/v1/nodes/${enc(id)}`),
    neighbourhood: sample.map((id) => `/api/v1/nodes/${enc(id)}/neighbours?depth=1&limit=200`),
    paths: fromIds.map((id) => `/api/v1/paths?from=${enc(id)}&toTierZero=true&maxHops=8&limit=25`),
  };
}

export async function runApiLoad(opts: ApiLoadOptions = {}): Promise<ApiLoadResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const connections = opts.connections ?? 16;
  const durationSec = opts.durationSec ?? Number(process.env.PERMGRAPH_BENCH_API_DURATION ?? 20);
  const sequential = opts.sequential ?? Number(process.env.PERMGRAPH_BENCH_API_SEQUENTIAL ?? 200);
  const only = new Set<Scenario>(opts.only ?? ['lookup', 'neighbourhood', 'paths']);
  const ownGraph = !opts.graph;
  const graph = opts.graph ?? (await connectGraph({ log }));
  try {
    const estate = await ensureEstate(
      graph,
      {
        minPrincipals: opts.minPrincipals ?? 20_000,
        seed: opts.seed ?? 1,
        workDir: opts.workDir ?? path.join(dataRoot(), 'bench-api'),
      },
      log,
    );
    const paths = await samplePaths(graph);
    const token = await createToken(graph, 'reader', 'api-load benchmark');
    const server = await startServer({ graph, port: 0, config: { rateLimit: 0, logLevel: 'warn' } });
    const seq: Partial<Record<Scenario, LatencySummary>> = {};
    const loadStart = loadavg()[0]!;
    try {
      const run = async (name: Scenario) => {
        if (!only.has(name)) return null;
        // Warm-up: the first requests compile query plans.
        await runWorker({
          url: server.url,
          token: token.token,
          paths: paths[name].slice(0, 50),
          connections,
          durationSec: 2,
        });
        const r = await runWorker({
          url: server.url,
          token: token.token,
          paths: paths[name],
          connections,
          durationSec,
        });
        log(
          `api-load ${name.padEnd(13)} ${String(r.reqPerSec).padStart(7)} req/s  p50 ${r.p50} ms  p95 ${r.p95} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  5xx ${r.status5xx}`,
        );
        if (sequential > 0) {
          const s = await runWorker({
            url: server.url,
            token: token.token,
            paths: pick(paths[name], sequential),
            connections: 1,
            durationSec: 0,
            sequential,
          });
          seq[name] = s;
          log(
            `api-load ${name.padEnd(13)} sequential ${s.requests} requests  p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  non-2xx ${s.non2xx}`,
          );
        }
        return r;
      };
      const lookup = await run('lookup');
      const neighbourhood = await run('neighbourhood');
      const pathsResult = await run('paths');
      return {
        principals: estate.principals,
        connections,
        durationSec,
        lookup,
        neighbourhood,
        paths: pathsResult,
        sequential: seq,
        loadAverage: { start: Math.round(loadStart * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
        estate: { generated: estate.generated, importMs: estate.importMs },
      };
    } finally {
      await server.close();
      await revokeToken(graph, token.id).catch(() => {});
    }
  } finally {
    if (ownGraph) await graph.close();
  }
}

function parseScenarios(list: string): Scenario[] {
  const all: Scenario[] = ['lookup', 'neighbourhood', 'paths'];
  const out = list.split(',').map((s) => s.trim());
  for (const s of out)
    if (!all.includes(s as Scenario)) throw new Error(`--only: "${s}" is not one of ${all.join(', ')}`);
  return out as Scenario[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const r = await runApiLoad({
    ...(arg('duration') ? { durationSec: Number(arg('duration')) } : {}),
    ...(arg('connections') ? { connections: Number(arg('connections')) } : {}),
    ...(arg('seed') ? { seed: Number(arg('seed')) } : {}),
    ...(arg('sequential') ? { sequential: Number(arg('sequential')) } : {}),
    ...(arg('only') ? { only: parseScenarios(arg('only')!) } : {}),
  });
  const dir = path.resolve('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-api-load.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.stderr.write(`api-load: results in ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`api-load: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
