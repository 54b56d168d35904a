/**
 * Runs the API: connects to the graph, builds the app, listens (127.0.0.1 unless told
 * otherwise) and shuts down gracefully on SIGINT/SIGTERM (in-flight requests and a running
 * import finish, then the graph connection closes).
 */
import { connectGraph, type Graph } from '../cypher/db/graph.js';
import { type App, buildApp, loggerOptions } from './app.js';
import { loadServerConfig, type ServerConfig } from './config.js';
import { JobRegistry } from './jobs.js';
import { loadSchedules, Scheduler } from './schedules.js';

export interface StartOptions {
  host?: string;
  port?: number;
  config?: Partial<ServerConfig>;
  graph?: Graph;
  /** Extra log lines from the graph connection (local Neo4j start). */
  log?: (message: string) => void;
}

export interface RunningServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config = loadServerConfig({
    ...opts.config,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
  // A bad schedule file stops the start before anything listens.
  const schedules = config.scheduleFile ? loadSchedules(config.scheduleFile) : null;
  const ownGraph = !opts.graph;
  const graph = opts.graph ?? (await connectGraph(opts.log ? { log: opts.log } : {}));
  let app: App | undefined;
  const jobs = new JobRegistry();
  const scheduler = schedules
    ? new Scheduler(schedules, {
        graph,
        jobs,
        log: (level, message, fields) => app?.log[level](fields ?? {}, message),
      })
    : null;
  try {
    app = await buildApp({ graph, config, jobs, scheduler, logger: loggerOptions(config.logLevel) });
    await app.listen({ host: config.host, port: config.port });
    scheduler?.start();
  } catch (err) {
    if (ownGraph) await graph.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        if (ownGraph) await graph.close();
      })();
      return closing;
    },
  };
}
