/**
 * `permgraph demo`: the first five minutes. Starts the local Neo4j if needed, generates the
 * S estate (deterministic), scans it (import -> derive -> analyze), makes an admin token and
 * serves the API and explorer. A second run finds the estate in the graph and only serves.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { listScans, runScan } from '../../analyze/index.js';
import { dataRoot } from '../../cypher/db/config.js';
import type { Graph } from '../../cypher/db/graph.js';
import { connectGraph } from '../../cypher/db/graph.js';
import { type EstateSize, generateAwsEstate, isEstateSize } from '../../ingest/generate/aws-estate.js';
import { startServer } from '../../server/server.js';
import { createToken, listTokens, revokeToken } from '../../server/tokens.js';
import { parsePort, usageError } from '../context.js';
import { log, pipelineLog, printJson } from '../ui.js';

const DEMO_TOKEN_NAME = 'demo';

interface DemoOptions {
  size: string;
  seed: string;
  host: string;
  port: string;
  serve: boolean;
  json?: boolean;
}

interface EstateManifest {
  accounts: { id: string }[];
}

/** Whether this estate is already scanned into the graph: its accounts loaded and analysed. */
async function alreadyScanned(graph: Graph, manifest: EstateManifest): Promise<boolean> {
  const scopes = manifest.accounts.map((a) => `aws:${a.id}`);
  const rows = await graph.read(
    `UNWIND $scopes AS s
     OPTIONAL MATCH (sc:PGScope {id: s})
     RETURN count(sc) AS present`,
    { scopes },
  );
  if (Number(rows[0]?.present ?? 0) < scopes.length) return false;
  const scans = await listScans(graph, { limit: 1 });
  return scans.total > 0;
}

async function readManifest(dir: string): Promise<EstateManifest> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(
    await readFile(path.join(dir, 'permgraph-aws-collection.json'), 'utf8'),
  ) as EstateManifest;
}

export async function prepareDemo(
  graph: Graph,
  opts: { size: EstateSize; seed: number; dir: string },
): Promise<{ scanned: boolean; seconds: number; newFindings: number; findings: number }> {
  const t0 = Date.now();
  const manifestFile = path.join(opts.dir, 'permgraph-aws-collection.json');
  if (!existsSync(manifestFile)) {
    log.info(`Generating the ${opts.size} demo estate (seed ${opts.seed}) in ${opts.dir}`);
    await generateAwsEstate({ size: opts.size, seed: opts.seed, out: opts.dir, log: (m) => log.info(m) });
  }
  const manifest = await readManifest(opts.dir);
  if (await alreadyScanned(graph, manifest)) {
    log.info('Demo estate already scanned: reusing the graph (nothing imported twice)');
    return { scanned: false, seconds: (Date.now() - t0) / 1000, newFindings: 0, findings: 0 };
  }
  log.info('Scanning the demo estate: import -> derive -> analyze');
  const r = await runScan(graph, {
    inputs: [opts.dir],
    log: pipelineLog,
    onProgress: (e) => log.info(`${e.stage}: ${e.message}`),
  });
  return {
    scanned: true,
    seconds: (Date.now() - t0) / 1000,
    newFindings: r.diff.newFindings.length,
    findings: r.analysis.findings,
  };
}

/** One live demo token: the previous one is revoked, so demo runs do not pile up tokens. */
async function demoToken(graph: Graph): Promise<string> {
  for (const t of await listTokens(graph))
    if (t.name === DEMO_TOKEN_NAME && !t.revoked) await revokeToken(graph, t.id);
  return (await createToken(graph, 'admin', DEMO_TOKEN_NAME)).token;
}

export function registerDemo(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('demo')
    .description(
      'Start Neo4j if needed, generate and scan the demo estate, then serve the API and explorer (prints the URL and an admin token)',
    )
    .option('--size <size>', 'demo estate size (XS, S, M)', 'S')
    .option('--seed <n>', 'estate seed', '1')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port for the API and explorer (0 picks a free one)', '8080')
    .option('--no-serve', 'prepare the graph and print a token, but do not start the server')
    .option('--json', 'print the URL and token as JSON once the server listens')
    .action((o: DemoOptions) =>
      run(async () => {
        const size = o.size.toUpperCase();
        if (!isEstateSize(size) || size === 'L')
          throw usageError(`--size ${o.size}: expected XS, S or M for the demo`);
        const seed = Number(o.seed);
        if (!Number.isInteger(seed) || seed < 0) throw usageError(`--seed ${o.seed}: expected an integer`);
        const port = o.port === '0' ? 0 : parsePort(o.port);
        const graph = await connectGraph({ log: (m) => log.info(m) });
        let closeGraph = true;
        try {
          const dir = path.join(dataRoot(), 'demo', `aws-${size}-seed${seed}`);
          const prep = await prepareDemo(graph, { size, seed, dir });
          const token = await demoToken(graph);
          if (!o.serve) {
            if (o.json) printJson({ token, prepared: prep });
            else process.stdout.write(`Admin token: ${token}\n`);
            return;
          }
          const server = await startServer({ host: o.host, port, graph });
          closeGraph = false;
          const url = server.url;
          if (o.json) printJson({ url, token, prepared: prep });
          else
            process.stdout.write(
              `\npermgraph demo is ready (${prep.scanned ? `scanned in ${prep.seconds.toFixed(0)} s` : 'reused the existing graph'}).\n\n` +
                `  Explorer:    ${url}/\n  API docs:    ${url}/docs\n  Admin token: ${token}\n\n` +
                'Sign in to the explorer with the token. Ctrl-C stops the server (Neo4j keeps running: `permgraph neo4j stop`).\n',
            );
          await new Promise<void>((resolve) => {
            const stop = () => {
              const force = setTimeout(() => process.exit(1), 20_000);
              force.unref();
              server
                .close()
                .then(() => graph.close())
                .then(resolve, resolve);
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        } finally {
          if (closeGraph) await graph.close();
        }
      }, o.json),
    );
}
