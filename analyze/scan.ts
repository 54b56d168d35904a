/**
 * One scan job, as cron and CI run it: import the inputs -> derive -> analyze -> diff against
 * the previous analysis scan. Inputs are validated and loaded by the ingest pipeline (a bad
 * file fails before anything is written); analysis findings are written only after the load.
 */
import type { Graph } from '../cypher/db/graph.js';
import {
  collectLive,
  type DeriveSummary,
  deriveAll,
  type ImportResult,
  importFiles,
  type LiveCollectOptions,
  type LiveCollectResult,
} from '../ingest/pipeline.js';
import type { Finding } from './findings.js';
import { type AnalyzeSummary, diffWithPrevious, runAnalyses, type ScanDiff } from './index.js';

/** A live collection to run before the import (`permgraph scan --collect aws`). */
export type ScanCollect = { provider: string } & Omit<LiveCollectOptions, 'log' | 'now'>;

export interface ScanOptions {
  inputs: string[];
  /** Collect live first and import the collection directory with the inputs. */
  collect?: ScanCollect;
  onProgress?: (e: { stage: string; message: string; pct?: number }) => void;
  lookbackDays?: number;
  queries?: string[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
  now?: Date;
}

export interface ScanSummary {
  scan: string;
  previousScan: string | null;
  /** The live collection, when the scan collected. */
  collection: LiveCollectResult | null;
  imported: { file: string; scanId: string; nodes: number; edges: number; alreadyLoaded: boolean }[];
  derived: DeriveSummary[];
  analysis: AnalyzeSummary;
  diff: ScanDiff;
  /** New findings at high or critical severity (what a scheduled scan alerts on). */
  newHighRisk: Finding[];
  ms: { import: number; derive: number; analyze: number; diff: number; total: number };
}

export async function runScan(graph: Graph, opts: ScanOptions): Promise<ScanSummary> {
  const t0 = Date.now();
  const progress = opts.onProgress ?? (() => {});
  const log = opts.log ?? (() => {});
  let imported: ImportResult = { loads: [], derived: [], warnings: [] };
  const inputs = [...opts.inputs];
  let collection: LiveCollectResult | null = null;
  if (opts.collect) {
    const { provider, ...rest } = opts.collect;
    progress({ stage: 'collect', message: `collecting ${provider} live`, pct: 0 });
    collection = await collectLive(provider, { ...rest, log, ...(opts.now ? { now: opts.now } : {}) });
    progress({
      stage: 'collect',
      message: `${provider}: ${collection.accounts.length} account(s) collected into ${collection.out}`,
    });
    inputs.push(collection.out);
  }
  if (inputs.length > 0) {
    progress({ stage: 'import', message: `importing ${inputs.length} file(s)`, pct: 0 });
    imported = await importFiles(graph, inputs, {
      log,
      skipDerive: true,
      ...(opts.now ? { now: opts.now } : {}),
      onProgress: (file, p) => progress({ stage: 'import', message: `${file}: ${p.phase}` }),
    });
    for (const w of imported.warnings) log(w);
  }
  const tImport = Date.now();
  progress({ stage: 'derive', message: 'deriving effective access and escalation edges', pct: 30 });
  const derived = await deriveAll(graph, { log });
  const tDerive = Date.now();
  // A scan of inputs covers the scopes they loaded; a scan without inputs the whole graph.
  const scopes =
    inputs.length > 0 ? [...new Set(imported.loads.flatMap((l) => l.scopes.map((x) => x.id)))] : undefined;
  const analysis = await runAnalyses(graph, {
    inputs,
    ...(scopes ? { scopes } : {}),
    ...(opts.lookbackDays !== undefined ? { lookbackDays: opts.lookbackDays } : {}),
    ...(opts.queries ? { queries: opts.queries } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    log,
    onProgress: (e) =>
      progress({ ...e, pct: e.pct === undefined ? undefined : 40 + Math.round(e.pct * 0.55) }),
  });
  const tAnalyze = Date.now();
  const diff = await diffWithPrevious(graph, analysis.scan);
  const tDiff = Date.now();
  progress({
    stage: 'done',
    message: `${diff.newFindings.length} new, ${diff.resolvedFindings.length} resolved`,
    pct: 100,
  });
  return {
    scan: analysis.scan,
    previousScan: analysis.previousScan,
    collection,
    imported: imported.loads.map((l) => ({
      file: l.file,
      scanId: l.scanId,
      nodes: l.nodes,
      edges: l.edges,
      alreadyLoaded: Boolean(l.alreadyLoaded),
    })),
    derived,
    analysis,
    diff,
    newHighRisk: diff.newFindings.filter((f) => f.severity === 'critical' || f.severity === 'high'),
    ms: {
      import: tImport - t0,
      derive: tDerive - tImport,
      analyze: tAnalyze - tDerive,
      diff: tDiff - tAnalyze,
      total: tDiff - t0,
    },
  };
}
