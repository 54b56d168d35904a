import path from 'node:path';
import type { Command } from 'commander';
import { startServer } from '../../server/server.js';
import { parsePort, usageError } from '../context.js';
import { log } from '../ui.js';

export function registerServe(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('serve')
    .description(
      'Serve the REST API (/api/v1, OpenAPI at /openapi.json, Swagger UI at /docs) and the explorer',
    )
    .option(
      '--host <host>',
      'address to bind (anything but loopback exposes the API to the network)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port', '8080')
    .option(
      '--schedule <file>',
      'run the scheduled scans of this JSON or YAML file (default: PERMGRAPH_SCHEDULE; docs/analyses.md)',
    )
    .action((o: { host: string; port: string; schedule?: string }) =>
      run(async () => {
        if (!/^[A-Za-z0-9.:[\]-]+$/.test(o.host))
          throw usageError(`--host ${o.host}: not a host name or address`);
        const port = o.port === '0' ? 0 : parsePort(o.port);
        const server = await startServer({
          host: o.host,
          port,
          log: (m) => log.info(m),
          ...(o.schedule ? { config: { scheduleFile: path.resolve(o.schedule) } } : {}),
        });
        log.info(`permgraph API on ${server.url} (docs: ${server.url}/docs)`);
        if (!['127.0.0.1', 'localhost', '::1'].includes(o.host))
          log.warn(`Listening on ${o.host}: the API is reachable from the network; keep tokens secret`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            log.info(`${signal}: shutting down`);
            const force = setTimeout(() => process.exit(1), 20_000);
            force.unref();
            server.close().then(resolve, resolve);
          };
          process.once('SIGINT', () => stop('SIGINT'));
          process.once('SIGTERM', () => stop('SIGTERM'));
        });
      }),
    );
}
