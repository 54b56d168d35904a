/**
 * Explorer benchmark: time to first paint and layout time for 500 and 2,000-node subgraphs in
 * headless Chromium, and the longest main-thread task (PerformanceObserver "longtask") while
 * drawing. The built explorer (web/dist) is served from a local static server and fed
 * elements through its test hook (`window.permgraphTest.render`), so the figures are the
 * canvas alone, not the API. Target: a 2,000-node subgraph paints in < 2 s with no main-thread
 * task over 200 ms.
 *
 * `npm run bench:explorer [-- --json] [--sizes 500,2000] [--repeat N] [--profile DIR] [--trace DIR] [--screenshots DIR] [--web-dist DIR] [--webgl]`; `runExplorerBench()` for bench/run.ts.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CDPSession, chromium } from 'playwright-core';
import { EDGE_TYPES, EdgeSets, EdgeTypes, labelsFor, NODE_KINDS, NodeKinds } from '../cypher/schema/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/explorer.js when built, bench/explorer.ts when a test imports the source.
const ROOT = path.resolve(HERE, path.basename(path.dirname(HERE)) === 'dist' ? '../..' : '..');
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
  /** The first frame drew the graph from Cytoscape's layer bitmap (null: the build does not say). */
  paintedFromLayers: boolean | null;
  longestTaskMs: number;
  longTasks: number;
  /**
   * CPU time the page's renderer process used while rendering (main thread, layout worker,
   * raster), from the browser's SystemInfo: unlike wall time, hardly affected by machine load.
   */
  rendererCpuMs: number | null;
  /** 1-minute load average when the row was measured (the machine may be shared). */
  loadavg: number | null;
  /** Every long task while rendering (ms, in order). */
  longTaskList: number[];
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
  opts: {
    sizes?: number[];
    log?: (m: string) => void;
    repeat?: number;
    webgl?: boolean;
    /** Directory for a CPU profile of the page's main thread per render (Chrome DevTools format). */
    profileDir?: string;
    /**
     * Directory for a Chrome trace of each render (DevTools "Performance" format); the log then
     * breaks the longest main-thread task down by trace event.
     */
    traceDir?: string;
    /** Directory for a screenshot of each rendered graph. */
    screenshotDir?: string;
    /** Another explorer build to measure (default web/dist), e.g. an older commit's. */
    webDist?: string;
  } = {},
): Promise<ExplorerBenchResult> {
  const log = opts.log ?? (() => {});
  const webDist = opts.webDist ? path.resolve(opts.webDist) : WEB_DIST;
  if (!existsSync(path.join(webDist, 'index.html')))
    throw new Error(`${webDist}/index.html is missing: run \`npm run build:web\` first`);
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set PERMGRAPH_CHROMIUM)`,
    );
  const sizes = opts.sizes ?? [500, 2000];
  const server = await serveStatic(webDist);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const viewport = { width: 1440, height: 900 };
  const rows: ExplorerBenchRow[] = [];
  const schema = schemaBody();
  const sys = await browser.newBrowserCDPSession();
  try {
    for (const n of sizes) {
      for (let rep = 0; rep < (opts.repeat ?? 1); rep++) {
        const page = await browser.newPage({ viewport });
        await page.addInitScript(() => {
          const w = globalThis as unknown as { __longtasks: Array<{ start: number; ms: number }> };
          w.__longtasks = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, ms: e.duration });
          }).observe({ type: 'longtask' as never, buffered: true });
        });
        await page.goto(`${server.url}${opts.webgl ? '?webgl=1' : ''}`, { waitUntil: 'load' });
        await page.waitForFunction(() => 'permgraphTest' in globalThis);
        // The elements reach the page first, so their deserialization (one long task of its own,
        // not the explorer's) happens before the render starts and is not counted.
        // The canvas and its layout worker are created first, as the app does at sign-in.
        await page.evaluate(
          (input) => {
            const w = globalThis as unknown as {
              __benchInput: unknown;
              permgraphTest: { mount?: (s: unknown) => void };
            };
            w.__benchInput = input;
            // Builds without mount() (before it existed): an empty render creates the canvas.
            if (w.permgraphTest.mount) {
              w.permgraphTest.mount(input.schema);
              return Promise.resolve();
            }
            return (w.permgraphTest as unknown as { render: (...a: unknown[]) => Promise<unknown> })
              .render({ nodes: [], edges: [] }, 'overview', input.schema)
              .then(() => undefined);
          },
          { els: syntheticElements(n), schema },
        );
        await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
        const cpu0 = await rendererCpuMs(sys);
        const load = loadavg();
        const cdp = opts.profileDir ? await page.context().newCDPSession(page) : null;
        if (opts.traceDir) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
          await cdp.send('Profiler.start');
        }
        const out = await page.evaluate(async () => {
          const w = globalThis as unknown as {
            __longtasks: Array<{ start: number; ms: number }>;
            __benchInput: { els: unknown; schema: unknown };
            permgraphTest: {
              render: (e: unknown, l: string, s: unknown) => Promise<Record<string, unknown>>;
            };
          };
          const t0 = performance.now();
          const stats = await w.permgraphTest.render(w.__benchInput.els, 'overview', w.__benchInput.schema);
          // Labels of the nodes in view follow the first paint (graphs above 300 nodes when the
          // fit zoom makes them readable): their frames count too.
          await new Promise((r) => setTimeout(r, 1000));
          // Tasks that ran (at least partly) while the explorer rendered and the second after.
          return { stats, longtasks: w.__longtasks.filter((t) => t.start + t.ms > t0).map((t) => t.ms) };
        });
        const cpu1 = await rendererCpuMs(sys);
        if (opts.traceDir) {
          const buf = await browser.stopTracing();
          mkdirSync(opts.traceDir, { recursive: true });
          const file = path.join(opts.traceDir, `explorer-${n}-${rep}.trace.json`);
          writeFileSync(file, buf);
          const top = longestTaskBreakdown(JSON.parse(buf.toString('utf8')) as TraceFile, 12);
          log(`trace ${file}; longest main-thread task ${top.ms} ms, by event (inclusive ms):`);
          for (const [name, ms] of top.events) log(`  ${String(ms).padStart(6)}  ${name}`);
        }
        if (opts.screenshotDir) {
          mkdirSync(opts.screenshotDir, { recursive: true });
          await page.screenshot({ path: path.join(opts.screenshotDir, `explorer-${n}-${rep}.png`) });
        }
        if (cdp && opts.profileDir) {
          const { profile } = await cdp.send('Profiler.stop');
          mkdirSync(opts.profileDir, { recursive: true });
          const file = path.join(opts.profileDir, `explorer-${n}-${rep}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          log(`profile ${file}; main-thread self time by function (ms):`);
          for (const [name, ms] of topSelfTime(profile, 15)) log(`  ${String(ms).padStart(6)}  ${name}`);
          await cdp.detach();
        }
        const s = out.stats as unknown as Omit<
          ExplorerBenchRow,
          'longestTaskMs' | 'longTasks' | 'longTaskList' | 'met' | 'paintedFromLayers'
        > & { paintedFromLayers?: boolean };
        const longest = Math.round(Math.max(0, ...out.longtasks));
        const row: ExplorerBenchRow = {
          nodes: s.nodes,
          edges: s.edges,
          aggregated: s.aggregated,
          firstPaintMs: Math.round(s.firstPaintMs),
          layoutMs: Math.round(s.layoutMs),
          workerMs: Math.round(s.workerMs),
          steps: s.steps,
          paintedFromLayers: s.paintedFromLayers ?? null,
          longestTaskMs: longest,
          longTasks: out.longtasks.length,
          rendererCpuMs: cpu0 !== null && cpu1 !== null ? Math.round(cpu1 - cpu0) : null,
          loadavg: load,
          longTaskList: out.longtasks.map((x) => Math.round(x)),
          met: s.firstPaintMs < TARGET_PAINT_MS && longest <= TARGET_LONGTASK_MS,
        };
        rows.push(row);
        log(
          `explorer ${n} nodes / ${row.edges} edges: first paint ${row.firstPaintMs} ms, layout ${row.layoutMs} ms (worker ${row.workerMs} ms), longest task ${row.longestTaskMs} ms (${row.longTasks} long tasks: ${row.longTaskList.join(', ')}), renderer CPU ${row.rendererCpuMs} ms, load ${row.loadavg}${row.paintedFromLayers ? ', painted from layers' : ''}${row.met ? '' : ' - TARGET MISSED'}`,
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

/** CPU time (ms) of all renderer processes so far, or null when the browser does not say. */
async function rendererCpuMs(sys: CDPSession): Promise<number | null> {
  try {
    const info = (await sys.send('SystemInfo.getProcessInfo')) as {
      processInfo: Array<{ type: string; cpuTime: number }>;
    };
    return info.processInfo.filter((p) => p.type === 'renderer').reduce((a, p) => a + p.cpuTime * 1000, 0);
  } catch {
    return null;
  }
}

function loadavg(): number | null {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink',
  'cc',
  'gpu',
  'v8.execute',
  'disabled-by-default-skia',
];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string; data?: { functionName?: string; url?: string; type?: string } };
}
type TraceFile = { traceEvents: TraceEvent[] } | TraceEvent[];

/**
 * The longest task on a renderer main thread of a Chrome trace and what ran inside it: the
 * inclusive time of each event name (JS calls named by function, so "FunctionCall" is split),
 * longest first. Events nest, so the figures overlap; the task itself is the first line.
 */
export function longestTaskBreakdown(
  trace: TraceFile,
  limit: number,
): { ms: number; events: Array<[string, number]> } {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter((e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.dur !== undefined);
  const tasks = onMain.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  if (!tasks.length) return { ms: 0, events: [] };
  const task = tasks.reduce((a, b) => (b.dur! > a.dur! ? b : a));
  const end = task.ts + task.dur!;
  const byName = new Map<string, number>();
  for (const e of onMain) {
    if (e.pid !== task.pid || e.tid !== task.tid || e.ts < task.ts || e.ts + e.dur! > end) continue;
    const d = e.args?.data;
    const name = e.name === 'FunctionCall' && d ? `FunctionCall ${d.functionName || '(anonymous)'}` : e.name;
    byName.set(name, (byName.get(name) ?? 0) + e.dur!);
  }
  return {
    ms: Math.round(task.dur! / 1000),
    events: [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, us]) => [k, Math.round(us / 1000)]),
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per function (name file:line) of a CPU profile, longest first. */
export function topSelfTime(profile: CpuProfile, limit: number): Array<[string, number]> {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++)
    byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const byName = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const name =
      `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + (byNode.get(n.id) ?? 0));
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, us]) => [k, Math.round(us / 1000)]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const i = args.indexOf('--sizes');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : undefined;
  const r = args.indexOf('--repeat');
  const p = args.indexOf('--profile');
  const sc = args.indexOf('--screenshots');
  const tr = args.indexOf('--trace');
  const wd = args.indexOf('--web-dist');
  runExplorerBench({
    sizes,
    profileDir: p >= 0 ? args[p + 1] : undefined,
    screenshotDir: sc >= 0 ? args[sc + 1] : undefined,
    traceDir: tr >= 0 ? args[tr + 1] : undefined,
    webDist: wd >= 0 ? args[wd + 1] : undefined,
    webgl: args.includes('--webgl'),
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
