import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DerivedEdge, EdgeSpill } from '../../../ingest/load/derived.js';

const edge = (source: string, target: string, key: string, n: number): DerivedEdge => ({
  type: 'CAN_ACCESS',
  source,
  target,
  key,
  props: { service: key, actions: [`${key}:Get${n}`], conditional: n % 2 === 0, conditions: null, n },
});

describe('EdgeSpill', () => {
  it('gives every edge back once, all edges of a source in one group, in emission order', () => {
    const spill = new EdgeSpill({ partitions: 7, flushChars: 500 });
    const emitted: DerivedEdge[] = [];
    for (let i = 0; i < 2_000; i++) {
      const e = edge(`src-${i % 97}`, `dst-${i % 13}`, `k${i % 5}`, i);
      emitted.push(e);
      spill.add(e);
    }
    expect(spill.count).toBe(2_000);
    const groups = [...spill.groups()];
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.length).toBeLessThanOrEqual(7);
    const groupOf = new Map<string, number>();
    const seen: DerivedEdge[] = [];
    for (const [gi, g] of groups.entries())
      for (const e of g) {
        const prev = groupOf.get(e.source);
        if (prev !== undefined) expect(prev).toBe(gi);
        groupOf.set(e.source, gi);
        seen.push(e);
      }
    expect(seen).toHaveLength(2_000);
    // Per source, the order of emission is kept (first emission of a duplicate still wins).
    for (let s = 0; s < 97; s++) {
      const src = `src-${s}`;
      expect(seen.filter((e) => e.source === src)).toEqual(emitted.filter((e) => e.source === src));
    }
    spill.dispose();
    expect(existsSync(spill.dir)).toBe(false);
  });

  it('removes its files when disposed without being read', () => {
    const spill = new EdgeSpill({ flushChars: 10 });
    for (let i = 0; i < 100; i++) spill.add(edge(`s${i}`, 't', 'k', i));
    expect(readdirSync(spill.dir).length).toBeGreaterThan(0);
    spill.dispose();
    expect(existsSync(spill.dir)).toBe(false);
  });

  it('removes the spill directories of passes whose process is gone, and only those', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'pg-spill-sweep-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', '0']).pid;
      const dead = path.join(parent, `permgraph-derive-${gone}-abc123`);
      const live = path.join(parent, `permgraph-derive-${process.ppid}-def456`);
      const other = path.join(parent, 'permgraph-derive-old');
      for (const d of [dead, live, other]) {
        mkdirSync(d);
        writeFileSync(path.join(d, 'part-0.ndjson'), '[]\n');
      }
      const spill = new EdgeSpill({ parent });
      expect(spill.stale).toEqual([dead]);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(other)).toBe(true);
      expect(path.basename(spill.dir)).toMatch(new RegExp(`^permgraph-derive-${process.pid}-`));
      spill.dispose();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('says where and how much when it cannot write, and what to do', () => {
    const spill = new EdgeSpill({ flushChars: 10 });
    spill.add(edge('s', 't', 'k', 0));
    rmSync(spill.dir, { recursive: true, force: true });
    expect(() => spill.add(edge('s2', 't', 'k', 1))).toThrow(
      new RegExp(`cannot write derived edges to ${spill.dir} after 2 edges .*ENOENT.*set TMPDIR`),
    );
    spill.dispose();
  });
});
