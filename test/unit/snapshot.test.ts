import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotJsonSchemaText } from '../../ingest/snapshot/json-schema.js';
import { readSnapshotFile, validateSnapshotFile } from '../../ingest/snapshot/read.js';
import type { Snapshot } from '../../ingest/snapshot/types.js';
import { validateSnapshot } from '../../ingest/snapshot/validate.js';
import { SnapshotWriter, writeSnapshotFile } from '../../ingest/snapshot/write.js';

const FIXTURE = 'test/fixtures/snapshots/basic.json';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'pg-snap-'));
const load = (): Snapshot => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Snapshot;

async function collect(file: string) {
  const out = {
    header: null as unknown,
    nodes: [] as unknown[],
    edges: [] as unknown[],
    usage: [] as unknown[],
    gaps: [] as unknown[],
  };
  const layout = await readSnapshotFile(file, {
    header: (h) => {
      out.header = h;
    },
    nodes: (n) => void out.nodes.push(n),
    edges: (e) => void out.edges.push(e),
    usage: (u) => void out.usage.push(u),
    gaps: (g) => void out.gaps.push(g),
  });
  return { ...out, layout };
}

describe('snapshot validation', () => {
  it('accepts the fixture', () => {
    expect(validateSnapshot(load())).toEqual([]);
  });

  it.each([
    [
      'unknown kind',
      (s: Snapshot) => ((s.nodes[1] as { kind: string }).kind = 'AWSUsr'),
      '$.nodes[1].kind',
      /unknown kind/,
    ],
    ['missing id', (s: Snapshot) => delete (s.nodes[2] as { id?: string }).id, '$.nodes[2].id', /required/],
    [
      'wrong prop type',
      (s: Snapshot) => ((s.nodes[1]!.props as Record<string, unknown>).mfaEnabled = 'no'),
      '$.nodes[1].props.mfaEnabled',
      /true or false/,
    ],
    [
      'unknown prop',
      (s: Snapshot) => ((s.nodes[1]!.props as Record<string, unknown>).colour = 'red'),
      '$.nodes[1].props.colour',
      /unknown property/,
    ],
    [
      'dangling edge',
      (s: Snapshot) => (s.edges[3]!.target = 'arn:aws:iam::111111111111:group/nope'),
      '$.edges[3].target',
      /not a node/,
    ],
    [
      'derived edge type',
      (s: Snapshot) => ((s.edges[0] as { type: string }).type = 'AWS_ASSUME_ROLE'),
      '$.edges[0].type',
      /derived/,
    ],
    [
      'bad date',
      (s: Snapshot) => ((s.usage[0] as { lastUsed: string }).lastUsed = 'yesterday'),
      '$.usage[0].lastUsed',
      /ISO/,
    ],
    ['duplicate id', (s: Snapshot) => (s.nodes[2]!.id = s.nodes[1]!.id), '$.nodes[2].id', /duplicate/],
    [
      'scope not listed',
      (s: Snapshot) => (s.nodes[1]!.scope = 'aws:999999999999'),
      '$.nodes[1].scope',
      /not listed/,
    ],
    [
      'bad gap reason',
      (s: Snapshot) => s.gaps.push({ scope: 'aws:1', api: 'x', reason: 'Oops' as never, message: 'm' }),
      '$.gaps[0].reason',
      /reason/,
    ],
    [
      'unknown top-level field',
      (s: Snapshot) => ((s as unknown as Record<string, unknown>).extra = 1),
      '$.extra',
      /unknown/,
    ],
    [
      'system property set by snapshot',
      (s: Snapshot) => ((s.nodes[1]!.props as Record<string, unknown>).serviceUsage = {}),
      '$.nodes[1].props.serviceUsage',
      /set by permgraph/,
    ],
  ])('names the JSON path of a defect: %s', (_name, mutate, pathExpected, msg) => {
    const s = load();
    mutate(s);
    const defects = validateSnapshot(s);
    expect(defects.map((d) => d.path)).toContain(pathExpected);
    expect(defects.find((d) => d.path === pathExpected)!.message).toMatch(msg);
  });

  it('refuses a file with defects, listing paths, from disk (generic layout)', async () => {
    const s = load();
    (s.edges[1] as { source: string }).source = '';
    const file = path.join(tmp(), 'bad.json');
    writeFileSync(file, JSON.stringify(s, null, 2));
    await expect(validateSnapshotFile(file)).rejects.toThrow(/\$\.edges\[1\]\.source/);
  });

  it('reports broken JSON with the file name', async () => {
    const file = path.join(tmp(), 'broken.json');
    writeFileSync(file, '{"schemaVersion": "1.0", "nodes": [ {"id": ');
    await expect(validateSnapshotFile(file)).rejects.toThrow(/broken\.json.*not valid JSON/);
  });
});

describe('snapshot streaming read and write', () => {
  it('round-trips through the canonical writer and reads the same as the generic layout', async () => {
    const dir = tmp();
    const s = load();
    const canonical = await writeSnapshotFile(path.join(dir, 'c.json'), s);
    const generic = await collect(FIXTURE);
    const fast = await collect(canonical);
    expect(generic.layout).toBe('generic');
    expect(fast.layout).toBe('canonical');
    expect(fast.nodes).toEqual(generic.nodes);
    expect(fast.edges).toEqual(generic.edges);
    expect(fast.usage).toEqual(generic.usage);
    expect(fast.header).toEqual(generic.header);
    // The canonical file is also plain JSON.
    expect(JSON.parse(readFileSync(canonical, 'utf8'))).toEqual({ ...s });
  });

  it('writes gzip snapshots and reads them back', async () => {
    const dir = tmp();
    const file = await writeSnapshotFile(path.join(dir, 'c.json.gz'), load());
    const r = await collect(file);
    expect(r.nodes).toHaveLength(load().nodes.length);
  });

  it('streams a 200,000-edge snapshot without holding it in one string', async () => {
    const dir = tmp();
    const w = new SnapshotWriter(path.join(dir, 'big.json'));
    const scope = 'aws:222222222222';
    for (let i = 0; i < 2000; i++) {
      await w.node({ id: `arn:aws:iam::222222222222:user/u${i}`, kind: 'AWSUser', name: `u${i}` });
    }
    // Sections may be written in any order: edges before the last nodes still land after "nodes".
    for (let i = 0; i < 200_000; i++) {
      await w.edge({
        type: 'AWS_MEMBER_OF',
        source: `arn:aws:iam::222222222222:user/u${i % 2000}`,
        target: `arn:aws:iam::222222222222:user/u${(i * 7) % 2000}`,
        key: String(i),
      });
    }
    const file = await w.close({
      schemaVersion: '1.0',
      scanId: 'big',
      provider: 'aws',
      createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'test' },
      scopes: [{ id: scope, provider: 'aws', kind: 'account', complete: true }],
    });
    const before = process.memoryUsage().heapUsed;
    let edges = 0;
    await readSnapshotFile(file, {
      edges: () => {
        edges += 1;
      },
    });
    expect(edges).toBe(200_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    const v = await validateSnapshotFile(file);
    expect(v.validator.counts.edges).toBe(200_000);
  });
});

describe('published JSON Schema', () => {
  it('matches the schema generated from cypher/schema (run npm run gen:schema)', () => {
    expect(readFileSync('schema/snapshot-1.0.schema.json', 'utf8')).toBe(snapshotJsonSchemaText());
  });
});
