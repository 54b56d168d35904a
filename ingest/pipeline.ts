/**
 * Stage order and the provider registry. A provider adds entries here (input formats it can
 * import, its derive pass); nothing downstream branches on the provider.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { dataRoot } from '../cypher/db/config.js';
import type { Graph } from '../cypher/db/graph.js';
import { AppError } from '../cypher/errors.js';
import type { Provider } from '../cypher/schema/index.js';
import { type LoadProgress, type LoadResult, loadSnapshotFiles } from './load/loader.js';

export interface ImportContext {
  /** Where converted snapshots are written. */
  outDir: string;
  log: (message: string, fields?: Record<string, unknown>) => void;
  now: Date;
}

/** A file format users already have, turned into snapshot files. */
export interface InputFormat {
  id: string;
  provider: Provider;
  description: string;
  /** Looks at the first 64 KiB of the file. */
  detect(head: string): boolean;
  /** Recognises a directory input (e.g. a collection directory); optional. */
  detectDirectory?(dir: string): boolean;
  /** Converts every file of this format (given together, e.g. several accounts) into snapshots. */
  toSnapshots(files: string[], ctx: ImportContext): Promise<ConvertResult>;
}

export interface ConvertResult {
  snapshots: string[];
  /** Problems that did not stop the import (quarantined policies...), already in the snapshot gaps. */
  warnings: string[];
}

export interface DeriveSummary {
  provider: Provider;
  run: string;
  edges: number;
  tierZero: number;
  ms: number;
  skipped?: boolean;
}

/** Options of a live collection (`permgraph scan --collect`, scheduled scans). */
export interface LiveCollectOptions {
  /** Collection directory (default <data dir>/collections/<provider>-<time>). */
  out?: string;
  profile?: string;
  regions?: string[];
  org?: boolean;
  roleName?: string;
  endpointUrl?: string;
  concurrency?: number;
  log: ImportContext['log'];
  now?: Date;
}

export interface LiveCollectResult {
  /** The collection directory; importFiles reads it. */
  out: string;
  accounts: { id: string; complete: boolean; gaps: number }[];
  gaps: number;
  ms: number;
}

export interface ProviderModule {
  provider: Provider;
  formats: InputFormat[];
  /** Reads the estate live into a collection directory (throws when nothing could be read). */
  collect?(opts: LiveCollectOptions): Promise<LiveCollectResult>;
  /** Rebuilds derived edges and tier-zero marks from the provider's raw data in the graph. */
  derive?(graph: Graph, opts: { force?: boolean; log: ImportContext['log'] }): Promise<DeriveSummary>;
}

const registry: ProviderModule[] = [];

export function registerProvider(mod: ProviderModule): void {
  if (registry.some((m) => m.provider === mod.provider)) return;
  registry.push(mod);
}

export function providers(): readonly ProviderModule[] {
  return registry;
}

const SNAPSHOT_HEAD = /^\s*\{[\s\S]*"(schemaVersion|scanId)"\s*:/;

function readHead(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new AppError(
      'SNAPSHOT_UNREADABLE',
      `${file}: cannot open (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export type DetectedFormat = { kind: 'snapshot' } | { kind: 'format'; format: InputFormat };

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function detectFormat(file: string): DetectedFormat {
  if (isDirectory(file)) {
    for (const mod of registry) {
      for (const format of mod.formats) if (format.detectDirectory?.(file)) return { kind: 'format', format };
    }
    throw new AppError(
      'INPUT_UNRECOGNIZED',
      `${file}: a directory that no provider recognises as a collection`,
    );
  }
  if (file.endsWith('.gz')) return { kind: 'snapshot' };
  const head = readHead(file);
  for (const mod of registry) {
    for (const format of mod.formats) if (format.detect(head)) return { kind: 'format', format };
  }
  if (SNAPSHOT_HEAD.test(head)) return { kind: 'snapshot' };
  const known = ['a permgraph snapshot', ...registry.flatMap((m) => m.formats.map((f) => f.description))];
  throw new AppError(
    'INPUT_UNRECOGNIZED',
    `${file}: not a recognised input. Expected ${known.join(', or ')}.`,
  );
}

export interface ImportOptions {
  log: ImportContext['log'];
  onProgress?: (file: string, p: LoadProgress) => void;
  /** Skip the derive pass (tests of the raw loader). */
  skipDerive?: boolean;
  batchSize?: number;
  now?: Date;
}

export interface ImportResult {
  loads: (LoadResult & { file: string })[];
  derived: DeriveSummary[];
  warnings: string[];
}

/** import = detect → convert to snapshots → validate all, load together → derive touched providers. */
export async function importFiles(graph: Graph, files: string[], opts: ImportOptions): Promise<ImportResult> {
  const now = opts.now ?? new Date();
  const ctx: ImportContext = { outDir: path.join(dataRoot(), 'snapshots'), log: opts.log, now };
  const snapshots: string[] = [];
  const byFormat = new Map<InputFormat, string[]>();
  for (const file of files) {
    const d = detectFormat(file);
    if (d.kind === 'snapshot') snapshots.push(file);
    else byFormat.set(d.format, [...(byFormat.get(d.format) ?? []), file]);
  }
  const warnings: string[] = [];
  for (const [format, group] of byFormat) {
    const converted = await format.toSnapshots(group, ctx);
    snapshots.push(...converted.snapshots);
    warnings.push(...converted.warnings);
  }
  // All snapshots of one import load together (validated first, rows batched across them).
  const loads: ImportResult['loads'] = await loadSnapshotFiles(graph, snapshots, {
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    onProgress: (p) => opts.onProgress?.(p.file ?? snapshots[0]!, p),
  });
  const derived: DeriveSummary[] = [];
  if (!opts.skipDerive) {
    const touched = new Set(loads.map((l) => l.provider));
    for (const mod of registry) {
      if (mod.derive && touched.has(mod.provider)) derived.push(await mod.derive(graph, { log: opts.log }));
    }
  }
  return { loads, derived, warnings };
}

/** Providers that can collect live. */
export function collectingProviders(): string[] {
  return registry.filter((m) => m.collect).map((m) => m.provider);
}

/** Live collection through the provider's collector (see ProviderModule.collect). */
export async function collectLive(provider: string, opts: LiveCollectOptions): Promise<LiveCollectResult> {
  const mod = registry.find((m) => m.provider === provider && m.collect);
  if (!mod?.collect) {
    const known = collectingProviders();
    throw new AppError(
      'USAGE',
      `no live collector for provider "${provider}"${known.length > 0 ? ` (available: ${known.join(', ')})` : ''}`,
    );
  }
  const stamp = (opts.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return mod.collect({
    ...opts,
    out: opts.out ?? path.join(dataRoot(), 'collections', `${provider}-${stamp}`),
  });
}

/** Makes sure every provider's derived data is current (analyze calls this first). */
export async function deriveAll(
  graph: Graph,
  opts: { force?: boolean; log: ImportContext['log'] },
): Promise<DeriveSummary[]> {
  const out: DeriveSummary[] = [];
  for (const mod of registry) if (mod.derive) out.push(await mod.derive(graph, opts));
  return out;
}
