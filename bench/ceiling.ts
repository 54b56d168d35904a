/**
 * The ceiling: Neo4j's offline bulk importer (`neo4j-admin database import full`, entry point
 * org.neo4j.cli.AdminTool in the same Neo4j distribution the local instance runs) loading the
 * same estate from CSV into a scratch database. The CSVs are written from the snapshot files
 * our loader loaded (one node row per snapshot node, one relationship row per edge).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalNeo4jConfig } from '../cypher/db/config.js';
import { neo4jClasspath } from '../cypher/db/local-neo4j.js';
import { labelsFor } from '../cypher/schema/index.js';
import { OutFile } from '../ingest/generate/out.js';
import { readSnapshotFile } from '../ingest/snapshot/read.js';
import { RssSampler } from './rss.js';

export interface CeilingResult {
  tool: string;
  nodeRows: number;
  relRows: number;
  csvMs: number;
  /** Wall time of the import process (JVM start included). */
  wallMs: number;
  /** The tool's own "IMPORT DONE in ..." time when printed. */
  importMs: number | null;
  rowsPerSec: number;
  nodeRowsPerSec: number;
  relRowsPerSec: number;
  peakRssBytes: number;
  importedNodes: number | null;
  importedRelationships: number | null;
}

const q = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return `"${s.replace(/"/g, '""').replace(/[\r\n]+/g, ' ')}"`;
};

/** Writes nodes.csv / relationships.csv (admin-import headers) from snapshot files. */
export async function snapshotsToCsv(
  snapshots: string[],
  dir: string,
): Promise<{ nodes: string; rels: string; nodeRows: number; relRows: number }> {
  mkdirSync(dir, { recursive: true });
  const nodes = new OutFile(path.join(dir, 'nodes.csv'));
  const rels = new OutFile(path.join(dir, 'relationships.csv'));
  await nodes.write('id:ID,:LABEL,kind,name,scope,account,stub:boolean,props\n');
  await rels.write(':START_ID,:END_ID,:TYPE,key,scope,props\n');
  let nodeRows = 0;
  let relRows = 0;
  for (const file of snapshots) {
    await readSnapshotFile(file, {
      nodes: async (n) => {
        nodeRows++;
        const labels = labelsFor(n.kind).join(';');
        await nodes.write(
          `${q(n.id)},${q(labels)},${q(n.kind)},${q(n.name)},${q(n.scope)},${q(n.account)},${n.stub ? 'true' : 'false'},${q(n.props ?? {})}\n`,
        );
      },
      edges: async (e) => {
        relRows++;
        await rels.write(
          `${q(e.source)},${q(e.target)},${q(e.type)},${q(e.key)},${q(e.scope)},${q(e.props ?? {})}\n`,
        );
      },
    });
  }
  await nodes.close();
  await rels.close();
  return { nodes: nodes.file, rels: rels.file, nodeRows, relRows };
}

export async function runCeiling(
  local: LocalNeo4jConfig,
  snapshots: string[],
  workDir: string,
  log: (m: string) => void,
): Promise<CeilingResult> {
  const t0 = performance.now();
  const csv = await snapshotsToCsv(snapshots, path.join(workDir, 'csv'));
  const csvMs = Math.round(performance.now() - t0);
  const home = path.join(workDir, 'home');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(path.join(home, 'conf'), { recursive: true });
  writeFileSync(
    path.join(home, 'conf', 'neo4j.conf'),
    [
      `server.directories.data=${path.join(home, 'data')}`,
      `server.directories.logs=${path.join(home, 'logs')}`,
      `server.directories.transaction.logs.root=${path.join(home, 'data', 'transactions')}`,
      '',
    ].join('\n'),
  );
  const cp = await neo4jClasspath(local, log);
  const args = [
    '-Xmx1g',
    '-cp',
    cp,
    'org.neo4j.cli.AdminTool',
    'database',
    'import',
    'full',
    'neo4j',
    '--overwrite-destination=true',
    '--skip-duplicate-nodes=true',
    '--skip-bad-relationships=true',
    '--bad-tolerance=-1',
    `--report-file=${path.join(workDir, 'import.report')}`,
    `--nodes=${csv.nodes}`,
    `--relationships=${csv.rels}`,
  ];
  log(`neo4j-admin database import full: ${csv.nodeRows} node rows, ${csv.relRows} relationship rows`);
  const t1 = performance.now();
  let output = '';
  let pid: number | undefined;
  const sampler = new RssSampler(() => ({ admin: pid }));
  sampler.start();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('java', args, {
      env: { ...process.env, NEO4J_HOME: home, NEO4J_CONF: path.join(home, 'conf') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pid = child.pid;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  sampler.stop();
  const wallMs = Math.round(performance.now() - t1);
  writeFileSync(path.join(workDir, 'import.log'), output);
  if (code !== 0) throw new Error(`neo4j-admin import exited with ${code}: ${output.slice(-1500)}`);
  const done = /IMPORT DONE in ((?:\d+h )?(?:\d+m )?\d+s(?: \d+ms)?|\d+ms)/.exec(output)?.[1] ?? null;
  const importMs = done ? parseDuration(done) : null;
  const imported = /Imported:\s*\n\s*(\d+) nodes\s*\n\s*(\d+) relationships/.exec(output);
  const secs = (importMs ?? wallMs) / 1000;
  const total = csv.nodeRows + csv.relRows;
  return {
    tool: `neo4j-admin database import full (${local.version})`,
    nodeRows: csv.nodeRows,
    relRows: csv.relRows,
    csvMs,
    wallMs,
    importMs,
    rowsPerSec: Math.round(total / secs),
    nodeRowsPerSec: Math.round(csv.nodeRows / secs),
    relRowsPerSec: Math.round(csv.relRows / secs),
    peakRssBytes: sampler.peaks.admin?.start ?? 0,
    importedNodes: imported ? Number(imported[1]) : null,
    importedRelationships: imported ? Number(imported[2]) : null,
  };
}

function parseDuration(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(h|ms|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  return ms;
}
