/**
 * Streaming snapshot reader. A snapshot never has to sit in memory as one string:
 *  - the canonical layout our writer produces (one record per line) is read line by line;
 *  - any other valid JSON layout is read token by token with stream-json.
 * Both report items with their index so validation can name JSON paths.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import StreamJson from 'stream-json';
import Assembler from 'stream-json/Assembler.js';
import { AppError, errorMessage } from '../../cypher/errors.js';
import { type SectionItem, SNAPSHOT_SECTIONS, type SnapshotHeader, type SnapshotSection } from './types.js';
import { SnapshotValidator } from './validate.js';

export interface SnapshotVisitor {
  /** Called once with the complete header, before any item (canonical layout) or after (other layouts). */
  header?(header: SnapshotHeader): void | Promise<void>;
  nodes?(item: SectionItem['nodes'], index: number): void | Promise<void>;
  edges?(item: SectionItem['edges'], index: number): void | Promise<void>;
  usage?(item: SectionItem['usage'], index: number): void | Promise<void>;
  gaps?(item: SectionItem['gaps'], index: number): void | Promise<void>;
  /** A top-level key was seen (validation of unknown fields). */
  topLevelKey?(name: string): void;
  /** A header field was seen, in file order (validation). */
  headerField?(name: string, value: unknown): void;
  /** A section finished. */
  endSection?(section: SnapshotSection): void | Promise<void>;
}

export type Layout = 'canonical' | 'generic';

class LayoutMismatch extends Error {}

function open(file: string): Readable {
  if (!existsSync(file)) throw new AppError('SNAPSHOT_UNREADABLE', `${file}: no such file`);
  if (!statSync(file).isFile()) throw new AppError('SNAPSHOT_UNREADABLE', `${file}: not a file`);
  const raw = createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

const SECTION_OPEN = /^"(nodes|edges|usage|gaps)":\[$/;

/** Canonical layout: header line, then `"section":[` / one item per line / `],` ... `}`. */
async function readCanonical(file: string, visitor: SnapshotVisitor): Promise<void> {
  const input = open(file);
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    await readCanonicalLines(file, rl, visitor);
  } finally {
    // A visitor may stop early by throwing (the loader's node pass): release the file now.
    rl.close();
    input.destroy();
  }
}

async function readCanonicalLines(
  file: string,
  rl: AsyncIterable<string>,
  visitor: SnapshotVisitor,
): Promise<void> {
  let lineNo = 0;
  let section: SnapshotSection | null = null;
  let index = 0;
  let ended = false;
  let emitted = false;
  const fail = (what: string) => {
    if (!emitted) throw new LayoutMismatch(what);
    throw new AppError('SNAPSHOT_INVALID', `${file}:${lineNo}: ${what}`);
  };
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      if (!emitted) throw new LayoutMismatch(errorMessage(err));
      throw new AppError('SNAPSHOT_INVALID', `${file}:${lineNo}: not valid JSON (${errorMessage(err)})`);
    }
  };
  for await (const line of rl) {
    lineNo += 1;
    if (lineNo === 1) {
      if (!line.startsWith('{"schemaVersion":') || !line.endsWith(',')) fail('not canonical');
      const header = parse(`${line.slice(0, -1)}}`) as Record<string, unknown>;
      for (const [k, v] of Object.entries(header)) {
        visitor.topLevelKey?.(k);
        visitor.headerField?.(k, v);
      }
      emitted = true;
      await visitor.header?.(header as unknown as SnapshotHeader);
      continue;
    }
    if (ended) {
      if (line.trim() !== '') fail('content after the end of the snapshot');
      continue;
    }
    if (section === null) {
      const m = SECTION_OPEN.exec(line);
      if (m) {
        section = m[1] as SnapshotSection;
        visitor.topLevelKey?.(section);
        index = 0;
        continue;
      }
      if (line === '}') {
        ended = true;
        continue;
      }
      fail(`expected a section such as "nodes":[ but found ${JSON.stringify(line.slice(0, 60))}`);
      continue;
    }
    if (line === '],' || line === ']') {
      await visitor.endSection?.(section);
      section = null;
      continue;
    }
    const fn = visitor[section] as ((item: unknown, i: number) => void | Promise<void>) | undefined;
    // Items of a section nobody asked for are not parsed (the loader reads a file once for its
    // nodes and once for the rest); validation always asks for every section.
    if (fn) await fn.call(visitor, parse(line.endsWith(',') ? line.slice(0, -1) : line), index);
    index += 1;
  }
  if (!ended) fail('the snapshot ends early (missing closing "}")');
}

/** Any JSON layout, token by token. */
async function readGeneric(file: string, visitor: SnapshotVisitor): Promise<void> {
  const input = open(file);
  const tokens = input.pipe(
    StreamJson.parser({
      packKeys: true,
      packStrings: true,
      packNumbers: true,
      streamKeys: false,
      streamStrings: false,
      streamNumbers: false,
    }),
  );
  let depth = 0;
  let currentKey: string | null = null;
  let section: SnapshotSection | null = null;
  let index = 0;
  let asm: Assembler | null = null;
  let asmTarget: { kind: 'header'; key: string } | { kind: 'item' } | null = null;
  const header: Record<string, unknown> = {};
  let sawRoot = false;

  const finishValue = async (value: unknown) => {
    if (asmTarget?.kind === 'header') {
      header[asmTarget.key] = value;
      visitor.headerField?.(asmTarget.key, value);
    } else if (section) {
      const fn = visitor[section] as ((item: unknown, i: number) => void | Promise<void>) | undefined;
      if (fn) await fn.call(visitor, value, index);
      index += 1;
    }
    asm = null;
    asmTarget = null;
  };

  try {
    for await (const token of tokens as AsyncIterable<{ name: string; value?: unknown }>) {
      if (asm) {
        (asm as unknown as Record<string, (v: unknown) => void>)[token.name]!(token.value);
        if (asm.done) await finishValue(asm.current);
        continue;
      }
      switch (token.name) {
        case 'startObject':
          if (depth === 0) {
            sawRoot = true;
            depth = 1;
            continue;
          }
          break;
        case 'endObject':
          if (depth === 1) {
            depth = 0;
            continue;
          }
          break;
        case 'keyValue':
          if (depth === 1) {
            currentKey = String(token.value);
            visitor.topLevelKey?.(currentKey);
            continue;
          }
          break;
        case 'startArray':
          if (depth === 1 && currentKey && (SNAPSHOT_SECTIONS as readonly string[]).includes(currentKey)) {
            section = currentKey as SnapshotSection;
            index = 0;
            depth = 2;
            continue;
          }
          break;
        case 'endArray':
          if (depth === 2 && section) {
            await visitor.endSection?.(section);
            section = null;
            depth = 1;
            continue;
          }
          break;
      }
      if (depth === 0) {
        throw new AppError('SNAPSHOT_INVALID', `${file}: a snapshot is a JSON object at the top level`);
      }
      // A value starts: a header field (depth 1) or a section item (depth 2).
      asmTarget = depth === 2 ? { kind: 'item' } : { kind: 'header', key: currentKey ?? '' };
      const a = new Assembler();
      (a as unknown as Record<string, (v: unknown) => void>)[token.name]!(token.value);
      if (a.done) await finishValue(a.current);
      else asm = a;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('SNAPSHOT_INVALID', `${file}: not valid JSON (${errorMessage(err)})`, { cause: err });
  }
  if (!sawRoot) throw new AppError('SNAPSHOT_INVALID', `${file}: empty file`);
  await visitor.header?.(header as unknown as SnapshotHeader);
}

/** Streams a snapshot file through the visitor. Returns the layout that was read. */
export async function readSnapshotFile(
  file: string,
  visitor: SnapshotVisitor,
  layout?: Layout,
): Promise<Layout> {
  if (layout !== 'generic') {
    try {
      await readCanonical(file, visitor);
      return 'canonical';
    } catch (err) {
      if (!(err instanceof LayoutMismatch) || layout === 'canonical') throw err;
    }
  }
  await readGeneric(file, visitor);
  return 'generic';
}

export interface ScanResult {
  header: SnapshotHeader;
  layout: Layout;
  validator: SnapshotValidator;
}

/** Reads the whole file once, validating it; throws SNAPSHOT_INVALID naming JSON paths. */
export async function validateSnapshotFile(file: string): Promise<ScanResult> {
  let validator = new SnapshotValidator();
  let header: SnapshotHeader | null = null;
  const visitorFor = (v: SnapshotValidator): SnapshotVisitor => ({
    topLevelKey: (name) => {
      if (!(SNAPSHOT_SECTIONS as readonly string[]).includes(name)) return;
    },
    headerField: (name, value) => v.headerField(name, value),
    header: (h) => {
      header = h;
      v.endHeader();
    },
    nodes: (n, i) => v.node(n, i),
    edges: (e, i) => v.edge(e, i),
    usage: (u, i) => v.usage(u, i),
    gaps: (g, i) => v.gap(g, i),
    endSection: (s) => {
      if (s === 'nodes') v.endNodes();
    },
  });
  let layout: Layout;
  try {
    layout = await readSnapshotFile(file, visitorFor(validator), 'canonical');
  } catch (err) {
    if (!(err instanceof LayoutMismatch)) throw err;
    validator = new SnapshotValidator();
    header = null;
    layout = await readSnapshotFile(file, visitorFor(validator), 'generic');
  }
  validator.finish();
  validator.assertValid(file);
  return { header: header as unknown as SnapshotHeader, layout, validator };
}
