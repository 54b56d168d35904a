/**
 * Streaming snapshot writer. Items may be added in any order; each section is spooled to its
 * own temporary file and the sections are joined in canonical order on close. Output is the
 * canonical layout (one record per line), which the reader parses line by line.
 */
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  type SectionItem,
  SNAPSHOT_SECTIONS,
  type Snapshot,
  type SnapshotHeader,
  type SnapshotSection,
} from './types.js';

interface Spool {
  file: string;
  stream: WriteStream;
  count: number;
}

export class SnapshotWriter {
  private readonly target: string;
  private readonly spools = new Map<SnapshotSection, Spool>();
  private closed = false;
  readonly counts: Record<SnapshotSection, number> = { nodes: 0, edges: 0, usage: 0, gaps: 0 };

  constructor(target: string) {
    this.target = path.resolve(target);
    mkdirSync(path.dirname(this.target), { recursive: true });
    for (const s of SNAPSHOT_SECTIONS) {
      const file = `${this.target}.${s}.${process.pid}.tmp`;
      this.spools.set(s, { file, stream: createWriteStream(file), count: 0 });
    }
  }

  private async push(section: SnapshotSection, item: unknown): Promise<void> {
    if (this.closed) throw new Error('snapshot writer is closed');
    const spool = this.spools.get(section)!;
    const line = `${spool.count === 0 ? '' : ',\n'}${JSON.stringify(item)}`;
    spool.count += 1;
    this.counts[section] += 1;
    if (!spool.stream.write(line)) await once(spool.stream, 'drain');
  }

  node(n: SectionItem['nodes']): Promise<void> {
    return this.push('nodes', n);
  }
  edge(e: SectionItem['edges']): Promise<void> {
    return this.push('edges', e);
  }
  usage(u: SectionItem['usage']): Promise<void> {
    return this.push('usage', u);
  }
  gap(g: SectionItem['gaps']): Promise<void> {
    return this.push('gaps', g);
  }

  /** Writes the final file atomically (temp file + rename). */
  async close(header: SnapshotHeader): Promise<string> {
    this.closed = true;
    for (const spool of this.spools.values()) {
      spool.stream.end();
      await once(spool.stream, 'finish');
    }
    const tmp = `${this.target}.${process.pid}.tmp`;
    const gz = this.target.endsWith('.gz');
    const out = createWriteStream(gz ? `${tmp}.raw` : tmp);
    const { schemaVersion, scanId, provider, createdAt, source, scopes } = header;
    const headerLine = JSON.stringify({ schemaVersion, scanId, provider, createdAt, source, scopes });
    out.write(`${headerLine.slice(0, -1)},\n`);
    for (const [i, s] of SNAPSHOT_SECTIONS.entries()) {
      const spool = this.spools.get(s)!;
      out.write(`"${s}":[\n`);
      if (spool.count > 0) {
        await pipeline(createReadStream(spool.file), out, { end: false });
        out.write('\n');
      }
      out.write(i === SNAPSHOT_SECTIONS.length - 1 ? ']\n' : '],\n');
    }
    out.write('}\n');
    out.end();
    await once(out, 'finish');
    for (const spool of this.spools.values()) rmSync(spool.file, { force: true });
    if (gz) {
      await pipeline(createReadStream(`${tmp}.raw`), createGzip(), createWriteStream(tmp));
      rmSync(`${tmp}.raw`, { force: true });
    }
    renameSync(tmp, this.target);
    return this.target;
  }

  /** Removes temporary files without writing a snapshot. */
  async abort(): Promise<void> {
    this.closed = true;
    for (const spool of this.spools.values()) {
      spool.stream.destroy();
      rmSync(spool.file, { force: true });
    }
  }
}

/** Writes an in-memory snapshot (fixtures, small imports). */
export async function writeSnapshotFile(file: string, snap: Snapshot): Promise<string> {
  const w = new SnapshotWriter(file);
  for (const n of snap.nodes) await w.node(n);
  for (const e of snap.edges) await w.edge(e);
  for (const u of snap.usage) await w.usage(u);
  for (const g of snap.gaps) await w.gap(g);
  return w.close(snap);
}
