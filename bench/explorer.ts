/**
 * Explorer benchmark: time to first paint and layout time for 500 and 2,000-node subgraphs in
 * headless Chromium, and the longest main-thread task (PerformanceObserver "longtask") while
 * drawing. The built explorer (web/dist) is served from a local static server and fed
 * elements through its test hook (`window.permgraphTest.render`), so the figures are the
 * canvas alone, not the API. Target: a 2,000-node subgraph paints in < 2 s with no main-thread
 * task over 200 ms.
 *
 * `npm run bench:explorer [-- --json] [--sizes 500,2000]`; `runExplorerBench()` for bench/run.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { EDGE_TYPES, EdgeSets, EdgeTypes, labelsFor, NODE_KINDS, NodeKinds } from '../cypher/schema/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(ROOT, 'web', 'dist');
export const CHROMIUM_PATH = process.env.PERMGRAPH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
export const TARGET_PAINT_MS = 2000;
export const TARGET_LONGTASK_MS = 200;

export interface ExplorerBenchRow {
  nodes: number;
  edges: number;
  aggregated: boolean;
  /** Render call to every element drawn at its initial position. */
  firstPaintMs: number;
  /** Render call to the worker layout applied and drawn. */
  layoutMs: number;
  /** fcose in the web worker alone. */
  workerMs: number;
  /** Where the time went on the page: [step, ms]. */
  steps: Array<[string, number]>;
  longestTaskMs: number;
  longTasks: number;
  met: boolean;
}

export interface ExplorerBenchResult {
  browser: string;
  viewport: string;
  rows: ExplorerBenchRow[];
  targets: { paintMs: number; longestTaskMs: number };
}

/** The body of GET /schema, built from cypher/schema like the API does. */
export function schemaBody() {
  return {
    kinds: NODE_KINDS.map((k) => ({
      kind: k,
      provider: NodeKinds[k].provider,
      labels: [...labelsFor(k)],
      description: NodeKinds[k].description,
    })),
    edges: EDGE_TYPES.map((t) => {
      const d = EdgeTypes[t];
      return {
        type: t,
        provider: d.provider,
        category: d.category,
        derived: d.derived,
        traversable: d.traversable,
        description: d.description,
        techniques: [...(d.techniques ?? [])],
      };
    }),
    edgeSets: Object.fromEntries(Object.entries(EdgeSets).map(([k, v]) => [k, [...v]])),
  };
}

/** A deterministic AWS-like subgraph of n nodes: accounts, users, groups, roles, policies, resources. */
export function syntheticElements(n: number, seed = 7) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const kinds = ['AWSUser', 'AWSGroup', 'AWSRole', 'AWSPolicy', 'AWSLambdaFunction', 'AWSSecret'];
  const nodes: Array<{ data: Record<string, unknown> }> = [];
  const edges: Array<{ data: Record<string, unknown> }> = [];
  const accounts = Math.max(1, Math.round(n / 400));
  for (let i = 0; i < n; i++) {
    const kind = i < accounts ? 'AWSAccount' : kinds[i % kinds.length]!;
    const account = String(100000000000 + (i % accounts));
    nodes.push({
      data: {
        id: `n${i}`,
        label: `${kind.slice(3).toLowerCase()}-${i}`,
        kind,
        provider: 'aws',
        account,
        tierZero: i % 97 === 0,
        pci: Math.floor(rnd() * 100),
      },
    });
  }
  const edge = (src: number, dst: number, type: string, extra: Record<string, unknown> = {}) =>
    edges.push({
      data: {
        id: `e${edges.length}`,
        source: `n${src}`,
        target: `n${dst}`,
        type,
        category: EdgeTypes[type as keyof typeof EdgeTypes]?.category ?? 'structural',
        ...extra,
      },
    });
  for (let i = accounts; i < n; i++) {
    edge(i % accounts, i, 'AWS_CONTAINS');
    const j = accounts + Math.floor(rnd() * (n - accounts));
    if (j !== i) {
      const r = rnd();
      if (r < 0.08)
        edge(i, j, 'AWS_ASSUME_ROLE', {
          technique: 'sts-001',
          reason: 'trust + sts:AssumeRole',
          derived: true,
        });
      else if (r < 0.12)
        edge(i, j, 'AWS_PASSROLE_VIA', { technique: 'lambda-001', conditional: rnd() < 0.3, derived: true });
      else if (r < 0.6) edge(i, j, 'AWS_HAS_POLICY');
      else edge(i, j, 'CAN_ACCESS', { derived: true, unused: rnd() < 0.4 });
    }
  }
  return { nodes, edges };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves web/dist on 127.0.0.1 (API routes answer 404; the test hook needs none). */
export async function serveStatic(dir = WEB_DIST): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const rel = path.normalize(decodeURIComponent(u.pathname)).replace(/^([/\\])+/, '');
    let file = path.join(dir, rel || 'index.html');
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory())
      file = path.join(dir, 'index.html');
    if (rel.startsWith('api/')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"NOT_FOUND","message":"no API in the benchmark"}}');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function runExplorerBench(
  opts: { sizes?: number[]; log?: (m: string) => void; repeat?: number } = {},
): Promise<ExplorerBenchResult> {
  const log = opts.log ?? (() => {});
  if (!existsSync(path.join(WEB_DIST, 'index.html')))
    throw new Error(`${WEB_DIST}/index.html is missing: run \`npm run build:web\` first`);
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set PERMGRAPH_CHROMIUM)`,
    );
  const sizes = opts.sizes ?? [500, 2000];
  const server = await serveStatic();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const viewport = { width: 1440, height: 900 };
  const rows: ExplorerBenchRow[] = [];
  const schema = schemaBody();
  try {
    for (const n of sizes) {
      for (let rep = 0; rep < (opts.repeat ?? 1); rep++) {
        const page = await browser.newPage({ viewport });
        await page.addInitScript(() => {
          const w = globalThis as unknown as { __longtasks: number[] };
          w.__longtasks = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__longtasks.push(e.duration);
          }).observe({ type: 'longtask' as never, buffered: true });
        });
        await page.goto(server.url, { waitUntil: 'load' });
        await page.waitForFunction(() => 'permgraphTest' in globalThis);
        const els = syntheticElements(n);
        await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
        const out = await page.evaluate(
          async ({ els, schema }) => {
            const w = globalThis as unknown as {
              __longtasks: number[];
              permgraphTest: {
                render: (e: unknown, l: string, s: unknown) => Promise<Record<string, unknown>>;
              };
            };
            w.__longtasks.length = 0;
            const stats = await w.permgraphTest.render(els, 'overview', schema);
            await new Promise((r) => setTimeout(r, 100));
            return { stats, longtasks: [...w.__longtasks] };
          },
          { els, schema },
        );
        const s = out.stats as unknown as Omit<ExplorerBenchRow, 'longestTaskMs' | 'longTasks' | 'met'>;
        const longest = Math.round(Math.max(0, ...out.longtasks));
        const row: ExplorerBenchRow = {
          nodes: s.nodes,
          edges: s.edges,
          aggregated: s.aggregated,
          firstPaintMs: Math.round(s.firstPaintMs),
          layoutMs: Math.round(s.layoutMs),
          workerMs: Math.round(s.workerMs),
          steps: s.steps,
          longestTaskMs: longest,
          longTasks: out.longtasks.length,
          met: s.firstPaintMs < TARGET_PAINT_MS && longest <= TARGET_LONGTASK_MS,
        };
        rows.push(row);
        log(
          `explorer ${n} nodes / ${row.edges} edges: first paint ${row.firstPaintMs} ms, layout ${row.layoutMs} ms (worker ${row.workerMs} ms), longest task ${row.longestTaskMs} ms (${row.longTasks} long tasks)${row.met ? '' : ' - TARGET MISSED'}`,
        );
        await page.close();
      }
    }
    return {
      browser: `${browser.version()} (${CHROMIUM_PATH})`,
      viewport: `${viewport.width}x${viewport.height}`,
      rows,
      targets: { paintMs: TARGET_PAINT_MS, longestTaskMs: TARGET_LONGTASK_MS },
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const i = args.indexOf('--sizes');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : undefined;
  const r = args.indexOf('--repeat');
  runExplorerBench({
    sizes,
    repeat: r >= 0 ? Number(args[r + 1]) : 1,
    log: json ? undefined : (m) => console.log(m),
  })
    .then((res) => {
      if (json) console.log(JSON.stringify(res, null, 2));
      else console.log(`browser ${res.browser}, viewport ${res.viewport}`);
      process.exitCode = res.rows.every((x) => x.met) ? 0 : 1;
    })
    .catch((e) => {
      console.error(String(e instanceof Error ? e.message : e));
      process.exitCode = 1;
    });
}
