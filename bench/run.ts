/**
 * `npm run bench [-- --size S|M|L] [--seed N]`: one run on one machine, on the same estate:
 * generation (cached by size+seed), our import (load rates), derive, analyses, tier-zero
 * reachability, re-scan and scan diff, peak RSS of Node and Neo4j, the ceiling (neo4j-admin
 * bulk import of the same rows) and the peer (Cloudsplaining on the same files).
 * Results go to bench/results/<date>-<size>.{json,md}. Timings are reported, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as analyzeMod from '../analyze/index.js';
import { dataRoot, type GraphConfig, loadGraphConfig, NEO4J_VERSION } from '../cypher/db/config.js';
import { connectGraph, type Graph } from '../cypher/db/graph.js';
import * as local from '../cypher/db/local-neo4j.js';
import { errorMessage } from '../cypher/errors.js';
import { EdgeSets } from '../cypher/schema/index.js';
import {
  ESTATE_SIZES,
  type EstateSize,
  GENERATOR_VERSION,
  generateAwsEstate,
  isEstateSize,
  type PlantedPath,
} from '../ingest/generate/aws-estate.js';
import type { LoadResult } from '../ingest/load/loader.js';
import { deriveAll, importFiles } from '../ingest/pipeline.js';
import '../cli/providers.js';
import { type CeilingResult, runCeiling } from './ceiling.js';
import { type PeerResult, runPeer } from './peer.js';
import { renderMarkdown } from './report.js';
import { procMem, RssSampler } from './rss.js';

/** The repository root (the directory holding package.json), from source or from dist/. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}
const ROOT = findRoot();

export interface BenchOptions {
  size: EstateSize;
  seed: number;
  /** Where results are written (default bench/results in the repo). */
  resultsDir?: string;
  /** Estates cache, bench Neo4j, scratch files (default $PERMGRAPH_DATA_DIR/bench). */
  workDir?: string;
  port?: number;
  heap?: string;
  pageCache?: string;
  skipCeiling?: boolean;
  skipPeer?: boolean;
  /** Run the peer on the first N accounts only (default: all), its time also scaled to all. */
  peerAccounts?: number;
  /** Skip the second scan (re-scan + diff), e.g. for L on a slow machine. */
  skipRescan?: boolean;
  keepNeo4j?: boolean;
  log?: (message: string) => void;
}

export interface Timed {
  ms: number;
}

export interface BenchResult {
  benchVersion: 1;
  startedAt: string;
  finishedAt: string;
  size: EstateSize;
  seed: number;
  machine: { cpus: number; cpuModel: string; memBytes: number; platform: string; kernel: string };
  versions: { node: string; neo4j: string; permgraph: string; cloudsplaining: string | null };
  estate: {
    dir: string;
    cached: boolean;
    generateMs: number | null;
    bytes: number;
    accounts: number;
    principals: number;
    counts: Record<string, number>;
    plantedPaths: number;
  };
  load: {
    snapshots: number;
    nodeRows: number;
    relRows: number;
    usageRows: number;
    convertMs: number;
    validateMs: number;
    usageMs: number;
    cleanupMs: number;
    /** Loader time outside validate/write/usage/cleanup (schema and index creation, journal). */
    otherMs: number;
    nodesMs: number;
    edgesMs: number;
    writeMs: number;
    importMs: number;
    nodeRowsPerSec: number;
    relRowsPerSec: number;
    rowsPerSec: number;
  };
  derive: { available: boolean; ms: number; edges: number; tierZero: number; detail: unknown[] };
  analyze: {
    available: boolean;
    totalMs: number | null;
    findings: number | null;
    queries: { id: string; ms: number; rows: number | null; error?: string }[];
    note?: string;
  };
  scan: {
    endToEndMs: number;
    rescanMs: number | null;
    rescanVia: string;
    rescanStages: Record<string, number>;
    diffMs: number | null;
    diffNote?: string;
  };
  tierZero: {
    ms: number;
    maxHops: number;
    tierZeroNodes: number;
    principalsReaching: number;
    nodesReaching: number;
    plantedFound: number;
    plantedTotal: number;
    plantedMissed: string[];
  };
  graph: { nodes: number; relationships: number };
  memory: {
    nodePeakRssBytes: number;
    neo4jPeakRssBytes: number | null;
    neo4jHeap: string;
    neo4jPageCache: string;
    peaksByPhase: Record<string, Record<string, number>>;
  };
  ceiling: (CeilingResult & { ratio: number }) | { error: string } | null;
  peer: (PeerResult & { ours: PeerComparison }) | { error: string } | null;
  api: unknown;
  explorer: unknown;
  targets: { name: string; target: string; value: string; met: boolean | null }[];
}

export interface PeerComparison {
  ms: number;
  principalsReachingTierZero: number;
  plantedFound: number;
  plantedTotal: number;
  findings: number | null;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The estate for size+seed, generated once and reused. */
async function ensureEstate(
  opts: BenchOptions,
  workDir: string,
  log: (m: string) => void,
): Promise<BenchResult['estate']> {
  const dir = path.join(workDir, 'estates', `${opts.size}-${opts.seed}`);
  const manifestFile = path.join(dir, 'permgraph-aws-collection.json');
  type Manifest = {
    tool?: string;
    generated?: { size: string; seed: number; principals: number; counts: Record<string, number> };
  };
  let manifest: Manifest | null = null;
  if (existsSync(manifestFile)) manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  // An estate made by another generator version differs for the same seed: regenerate it.
  const cached =
    manifest?.generated?.size === opts.size &&
    manifest.generated.seed === opts.seed &&
    manifest.tool === `permgraph generate (generator v${GENERATOR_VERSION})`;
  let generateMs: number | null = null;
  let bytes = 0;
  if (!cached) {
    log(`Generating estate ${opts.size} seed ${opts.seed} into ${dir}`);
    const r = await generateAwsEstate({ size: opts.size, seed: opts.seed, out: dir });
    generateMs = r.ms;
    bytes = r.bytes;
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } else {
    log(`Reusing estate ${dir}`);
    bytes = Number(execFileSync('du', ['-sb', dir]).toString().split(/\s+/)[0]);
  }
  const g = manifest!.generated!;
  return {
    dir,
    cached,
    generateMs,
    bytes,
    accounts: g.counts.accounts ?? 0,
    principals: g.principals,
    counts: g.counts,
    plantedPaths: g.counts.plantedPaths ?? 0,
  };
}

/** A sibling module of this file owned by another branch (`./api-load.js`), when it exists. */
async function optionalModule(name: string): Promise<Record<string, unknown> | null> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const file of [path.join(here, `${name}.js`), path.join(here, `${name}.ts`)]) {
    if (existsSync(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
  return null;
}

type Fn = (...args: unknown[]) => Promise<unknown>;

/** Imports the collection directory the way `permgraph import DIR` does. */
async function importEstate(graph: Graph, dir: string, log: (m: string) => void) {
  const opts = { log: (m: string) => log(m), skipDerive: true };
  try {
    return await importFiles(graph, [dir], opts);
  } catch (err) {
    log(`import of the directory failed (${errorMessage(err)}); trying the manifest file`);
    return await importFiles(graph, [path.join(dir, 'permgraph-aws-collection.json')], opts);
  }
}

/** Reverse multi-source BFS from tier-zero nodes over traversable edges, at most maxHops. */
async function tierZeroReach(
  graph: Graph,
  planted: PlantedPath[],
  maxHops = 8,
): Promise<BenchResult['tierZero']> {
  const t0 = performance.now();
  const pattern = EdgeSets.TRAVERSABLE.join('|');
  const seeds = await graph.read(
    'MATCH (n:Entity) WHERE n.tierZero = true RETURN elementId(n) AS eid, n.id AS id, n:Principal AS principal',
  );
  const seen = new Map<string, { id: string; principal: boolean }>();
  for (const r of seeds) seen.set(String(r.eid), { id: String(r.id), principal: Boolean(r.principal) });
  let frontier = [...seen.keys()];
  for (let hop = 0; hop < maxHops && frontier.length > 0 && pattern; hop++) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += 5000) {
      const rows = await graph.read(
        `UNWIND $ids AS eid MATCH (b) WHERE elementId(b) = eid MATCH (a)-[:${pattern}]->(b)
         RETURN DISTINCT elementId(a) AS eid, a.id AS id, a:Principal AS principal`,
        { ids: frontier.slice(i, i + 5000) },
        { timeoutMs: 600_000 },
      );
      for (const r of rows) {
        const eid = String(r.eid);
        if (seen.has(eid)) continue;
        seen.set(eid, { id: String(r.id), principal: Boolean(r.principal) });
        next.push(eid);
      }
    }
    frontier = next;
  }
  const ms = Math.round(performance.now() - t0);
  const reachedIds = new Set([...seen.values()].map((v) => v.id));
  const missed = planted.filter((p) => !reachedIds.has(p.principal)).map((p) => p.id);
  return {
    ms,
    maxHops,
    tierZeroNodes: seeds.length,
    principalsReaching: [...seen.values()].filter((v) => v.principal).length,
    nodesReaching: seen.size,
    plantedFound: planted.length - missed.length,
    plantedTotal: planted.length,
    plantedMissed: missed,
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

export async function runBench(opts: BenchOptions): Promise<{ result: BenchResult; files: string[] }> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[bench] ${m}\n`));
  const startedAt = new Date().toISOString();
  const workDir = path.resolve(
    opts.workDir ?? process.env.PERMGRAPH_BENCH_DIR ?? path.join(dataRoot(), 'bench'),
  );
  mkdirSync(workDir, { recursive: true });
  const heap = opts.heap ?? process.env.PERMGRAPH_BENCH_NEO4J_HEAP ?? (opts.size === 'L' ? '4g' : '2g');
  const pageCache =
    opts.pageCache ?? process.env.PERMGRAPH_BENCH_NEO4J_PAGECACHE ?? (opts.size === 'L' ? '4g' : '2g');
  const port = opts.port ?? Number(process.env.PERMGRAPH_BENCH_NEO4J_PORT ?? 7626);
  const cfg: GraphConfig = loadGraphConfig(
    { dataDir: path.join(workDir, `neo4j-${opts.size}`), port },
    {
      ...process.env,
      NEO4J_URI: undefined,
      PERMGRAPH_NEO4J_HEAP: heap,
      PERMGRAPH_NEO4J_PAGECACHE: pageCache,
      PERMGRAPH_NEO4J_TX_MEMORY: process.env.PERMGRAPH_NEO4J_TX_MEMORY ?? (opts.size === 'L' ? '2g' : '1g'),
    },
  );
  let neo4jPid: number | undefined;
  const sampler = new RssSampler(() => ({ node: process.pid, neo4j: neo4jPid }));
  sampler.start();

  sampler.setPhase('generate');
  const estate = await ensureEstate(opts, workDir, log);
  const planted = (
    JSON.parse(readFileSync(path.join(estate.dir, 'planted.json'), 'utf8')) as { paths: PlantedPath[] }
  ).paths;

  // A fresh Neo4j for every run: the load rate is measured into an empty store.
  sampler.setPhase('neo4j-start');
  await local.stop(cfg.local);
  rmSync(cfg.local.dataDir, { recursive: true, force: true });
  const state = await local.start(cfg.local, { log, mode: 'java' });
  neo4jPid = state.pid;
  const graph = await connectGraph({ config: cfg, autoStart: false });
  // Converted snapshots go under the bench directory, not the user's data folder.
  const savedDataDir = process.env.PERMGRAPH_DATA_DIR;
  process.env.PERMGRAPH_DATA_DIR = path.join(workDir, `data-${opts.size}`);
  rmSync(process.env.PERMGRAPH_DATA_DIR, { recursive: true, force: true });

  let result: BenchResult | undefined;
  try {
    // ---------------------------------------------------------------- first scan, staged
    sampler.setPhase('import');
    const tImport = performance.now();
    const imported = await importEstate(graph, estate.dir, log);
    const importMs = Math.round(performance.now() - tImport);
    const loads = imported.loads as (LoadResult & { file: string })[];
    const sum = (f: (l: LoadResult) => number) => loads.reduce((a, l) => a + f(l), 0);
    const nodeRows = sum((l) => l.nodes);
    const relRows = sum((l) => l.edges);
    const nodesMs = sum((l) => l.ms.nodes);
    const edgesMs = sum((l) => l.ms.edges);
    const writeMs = sum((l) => l.ms.write);
    const loadTotalMs = sum((l) => l.ms.total);
    const load: BenchResult['load'] = {
      snapshots: loads.length,
      nodeRows,
      relRows,
      usageRows: sum((l) => l.usage),
      convertMs: Math.max(0, importMs - loadTotalMs),
      validateMs: sum((l) => l.ms.validate),
      usageMs: sum((l) => l.ms.usage),
      cleanupMs: sum((l) => l.ms.cleanup),
      otherMs: Math.max(0, loadTotalMs - sum((l) => l.ms.validate + l.ms.write + l.ms.usage + l.ms.cleanup)),
      nodesMs,
      edgesMs,
      writeMs,
      importMs,
      nodeRowsPerSec: nodesMs > 0 ? Math.round((nodeRows * 1000) / nodesMs) : 0,
      relRowsPerSec: edgesMs > 0 ? Math.round((relRows * 1000) / edgesMs) : 0,
      rowsPerSec: writeMs > 0 ? Math.round(((nodeRows + relRows) * 1000) / writeMs) : 0,
    };
    log(`import: ${nodeRows} node rows, ${relRows} rel rows in ${(importMs / 1000).toFixed(1)} s`);

    sampler.setPhase('derive');
    const tDerive = performance.now();
    const derived = await deriveAll(graph, { force: true, log: (m) => log(m) });
    const derive: BenchResult['derive'] = {
      available: derived.length > 0,
      ms: Math.round(performance.now() - tDerive),
      edges: derived.reduce((a, d) => a + d.edges, 0),
      tierZero: derived.reduce((a, d) => a + d.tierZero, 0),
      detail: derived,
    };
    log(`derive: ${derive.edges} edges in ${(derive.ms / 1000).toFixed(1)} s`);

    sampler.setPhase('analyze');
    const analyze: BenchResult['analyze'] = { available: true, totalMs: null, findings: null, queries: [] };
    {
      const t = performance.now();
      const summary = await analyzeMod.runAnalyses(graph, {});
      analyze.totalMs = Math.round(performance.now() - t);
      analyze.findings = summary.findings;
      for (const q of summary.queries)
        analyze.queries.push({
          id: q.id,
          ms: q.ms,
          rows: q.findings,
          ...(q.error ? { error: q.error } : {}),
        });
    }
    const endToEndMs = importMs + derive.ms + (analyze.totalMs ?? 0);

    sampler.setPhase('tier-zero');
    const tierZero = await tierZeroReach(graph, planted);
    log(
      `tier-zero reachability: ${tierZero.principalsReaching} principals in ${(tierZero.ms / 1000).toFixed(1)} s; planted found ${tierZero.plantedFound}/${tierZero.plantedTotal}`,
    );

    // ---------------------------------------------------------------- re-scan and diff
    sampler.setPhase('rescan');
    const rescanVia = opts.skipRescan ? 'skipped (--skip-rescan)' : 'runScan (import, derive, analyze, diff)';
    let rescanMs: number | null = null;
    let rescanStages: Record<string, number> = {};
    let diffMs: number | null = null;
    let diffNote: string | undefined = opts.skipRescan ? 'skipped (--skip-rescan)' : undefined;
    if (!opts.skipRescan) {
      const tRescan = performance.now();
      const rescan = await analyzeMod.runScan(graph, { inputs: [estate.dir], log: (m: string) => log(m) });
      rescanMs = Math.round(performance.now() - tRescan);
      rescanStages = { ...rescan.ms };
      if (rescan.previousScan) {
        const t = performance.now();
        await analyzeMod.diffScans(graph, rescan.previousScan, rescan.scan);
        diffMs = Math.round(performance.now() - t);
      } else diffNote = 'no previous analysis scan to diff against';
    }

    const counts = await graph.read(
      'CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels',
    );
    const graphCounts = { nodes: num(counts[0]?.nodes), relationships: num(counts[0]?.rels) };

    // ---------------------------------------------------------------- API, explorer
    sampler.setPhase('api');
    const callOptional = async (rel: string, names: string[]) => {
      const mod = await optionalModule(rel).catch((err) => ({ __error: errorMessage(err) }));
      if (!mod) return { available: false };
      if ('__error' in mod) return { available: false, error: mod.__error };
      const name = names.find((n) => typeof mod[n] === 'function');
      if (!name) return { available: false, error: `${rel} exports none of ${names.join(', ')}` };
      try {
        return {
          available: true,
          fn: name,
          // minPrincipals 0: measure on the estate just scanned (runApiLoad would otherwise
          // import its own M estate into this graph).
          result: await (mod[name] as Fn)({ graph, log, seed: opts.seed, minPrincipals: 0 }),
        };
      } catch (err) {
        return { available: true, fn: name, error: errorMessage(err) };
      }
    };
    const api = await callOptional('api-load', ['runApiLoad', 'benchApi', 'apiLoad', 'run']);
    sampler.setPhase('explorer');
    const explorer = await callOptional('explorer', [
      'runExplorerBench',
      'benchExplorer',
      'explorerBench',
      'run',
    ]);

    const nodeMem = procMem(process.pid);
    const neoMem = neo4jPid ? procMem(neo4jPid) : null;
    await graph.close();
    if (!opts.keepNeo4j) await local.stop(cfg.local);

    // ---------------------------------------------------------------- ceiling and peer
    sampler.setPhase('ceiling');
    let ceiling: BenchResult['ceiling'] = null;
    if (!opts.skipCeiling) {
      try {
        const c = await runCeiling(
          cfg.local,
          loads.map((l) => l.file),
          path.join(workDir, `ceiling-${opts.size}`),
          log,
        );
        ceiling = { ...c, ratio: c.rowsPerSec > 0 ? Number((load.rowsPerSec / c.rowsPerSec).toFixed(3)) : 0 };
        log(`ceiling: ${c.rowsPerSec} rows/s (ours ${load.rowsPerSec}, ratio ${ceiling.ratio})`);
      } catch (err) {
        ceiling = { error: errorMessage(err) };
      }
    }
    sampler.setPhase('peer');
    let peer: BenchResult['peer'] = null;
    if (!opts.skipPeer) {
      try {
        const p = await runPeer(
          estate.dir,
          path.join(workDir, `peer-${opts.size}`),
          planted.map((x) => x.principal),
          log,
          opts.peerAccounts,
        );
        peer = {
          ...p,
          ours: {
            ms: endToEndMs,
            principalsReachingTierZero: tierZero.principalsReaching,
            plantedFound: tierZero.plantedFound,
            plantedTotal: tierZero.plantedTotal,
            findings: analyze.findings,
          },
        };
      } catch (err) {
        peer = { error: errorMessage(err) };
      }
    }
    sampler.stop();

    const memory: BenchResult['memory'] = {
      nodePeakRssBytes: nodeMem?.hwmBytes ?? 0,
      neo4jPeakRssBytes: neoMem?.hwmBytes ?? null,
      neo4jHeap: heap,
      neo4jPageCache: pageCache,
      peaksByPhase: sampler.peaks,
    };
    let csVersion: string | null = null;
    if (peer && 'version' in peer) csVersion = peer.version;
    const GiB = 1024 ** 3;
    const ceilingRatio = ceiling && 'ratio' in ceiling ? ceiling.ratio : null;
    result = {
      benchVersion: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      size: opts.size,
      seed: opts.seed,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memBytes: os.totalmem(),
        platform: `${os.platform()} ${os.arch()}`,
        kernel: os.release(),
      },
      versions: {
        node: process.version,
        neo4j: NEO4J_VERSION,
        permgraph: packageVersion(),
        cloudsplaining: csVersion,
      },
      estate,
      load,
      derive,
      analyze,
      scan: {
        endToEndMs,
        rescanMs,
        rescanVia,
        rescanStages,
        diffMs,
        ...(diffNote ? { diffNote } : {}),
      },
      tierZero,
      graph: graphCounts,
      memory,
      ceiling,
      peer,
      api,
      explorer,
      targets: [
        {
          name: 'load, node rows/s',
          target: '>= 30,000',
          value: String(load.nodeRowsPerSec),
          met: load.nodeRowsPerSec >= 30_000,
        },
        {
          name: 'load, rel rows/s',
          target: '>= 20,000',
          value: String(load.relRowsPerSec),
          met: load.relRowsPerSec >= 20_000,
        },
        {
          name: 'load vs neo4j-admin import',
          target: '>= 15 %',
          value: ceilingRatio === null ? 'n/a' : `${(ceilingRatio * 100).toFixed(1)} %`,
          met: ceilingRatio === null ? null : ceilingRatio >= 0.15,
        },
        {
          name: 'end to end (import, derive, analyze)',
          target: opts.size === 'L' ? '< 10 min' : 'n/a (L only)',
          value: `${(endToEndMs / 1000).toFixed(1)} s`,
          met: opts.size === 'L' ? endToEndMs < 600_000 : null,
        },
        {
          name: 'tier-zero reachability',
          target: opts.size === 'L' ? '< 30 s' : 'n/a (L only)',
          value: `${(tierZero.ms / 1000).toFixed(1)} s`,
          met: opts.size === 'L' ? tierZero.ms < 30_000 : null,
        },
        {
          name: 'Node peak RSS',
          target: opts.size === 'L' ? '< 1.5 GiB' : opts.size === 'M' ? '<= 600 MiB' : '<= 300 MiB',
          value: `${(memory.nodePeakRssBytes / 1048576).toFixed(0)} MiB`,
          met:
            memory.nodePeakRssBytes <
            (opts.size === 'L' ? 1.5 * GiB : opts.size === 'M' ? 600 * 1048576 : 300 * 1048576),
        },
      ],
    };
  } finally {
    sampler.stop();
    if (savedDataDir === undefined) delete process.env.PERMGRAPH_DATA_DIR;
    else process.env.PERMGRAPH_DATA_DIR = savedDataDir;
    if (!result) {
      await graph.close().catch(() => undefined);
      if (!opts.keepNeo4j) await local.stop(cfg.local).catch(() => undefined);
    }
  }

  const resultsDir = path.resolve(opts.resultsDir ?? path.join(ROOT, 'bench', 'results'));
  mkdirSync(resultsDir, { recursive: true });
  const base = path.join(resultsDir, `${startedAt.slice(0, 10)}-${opts.size}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(result));
  return { result, files: [`${base}.json`, `${base}.md`] };
}

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { size: 'S', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? (a.split('=', 2) as [string, string]) : [a, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--size': {
        const s = value().toUpperCase();
        if (!isEstateSize(s))
          throw new Error(`--size ${s}: expected one of ${Object.keys(ESTATE_SIZES).join(', ')}`);
        opts.size = s;
        break;
      }
      case '--seed':
        opts.seed = Number(value());
        break;
      case '--port':
        opts.port = Number(value());
        break;
      case '--results-dir':
        opts.resultsDir = value();
        break;
      case '--work-dir':
        opts.workDir = value();
        break;
      case '--skip-ceiling':
        opts.skipCeiling = true;
        break;
      case '--peer-accounts':
        opts.peerAccounts = Number(value());
        if (!Number.isInteger(opts.peerAccounts) || opts.peerAccounts < 1)
          throw new Error('--peer-accounts: expected a positive integer');
        break;
      case '--skip-peer':
        opts.skipPeer = true;
        break;
      case '--keep-neo4j':
        opts.keepNeo4j = true;
        break;
      case '--skip-rescan':
        opts.skipRescan = true;
        break;
      default:
        throw new Error(
          `unknown option ${a} (use --size S|M|L, --seed N, --port N, --results-dir DIR, --work-dir DIR, --skip-ceiling, --skip-peer, --peer-accounts N, --skip-rescan, --keep-neo4j)`,
        );
    }
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0)
    throw new Error('--seed: expected a non-negative integer');
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { result, files } = await runBench(parseArgs(process.argv.slice(2)));
    process.stdout.write(renderMarkdown(result));
    process.stdout.write(`\nResults: ${files.join(', ')}\n`);
  } catch (err) {
    process.stderr.write(`bench: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}
