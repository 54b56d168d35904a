import type { Command } from 'commander';
import { loadGraphConfig } from '../../cypher/db/config.js';
import * as local from '../../cypher/db/local-neo4j.js';
import { parsePort } from '../context.js';
import { log, printJson } from '../ui.js';

interface Opts {
  dataDir?: string;
  port?: number;
  json?: boolean;
}

export function registerNeo4j(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  const cmd = program
    .command('neo4j')
    .description('Run the local Neo4j that permgraph uses when NEO4J_URI is unset');
  const common = (c: Command) =>
    c
      .option('--data-dir <dir>', 'instance directory (default .permgraph/neo4j)')
      .option('--port <port>', 'Bolt port on 127.0.0.1 (default 7687)', parsePort)
      .option('--json', 'machine-readable output');

  common(cmd.command('start').description('Start Neo4j (idempotent; returns once Bolt answers)')).action(
    (o: Opts) =>
      run(async () => {
        const cfg = loadGraphConfig({
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          ...(o.port ? { port: o.port } : {}),
        });
        if (cfg.external)
          log.warn(
            `NEO4J_URI is set (${cfg.external.uri}); permgraph commands use that, not this local instance`,
          );
        const st = await local.start(cfg.local, { log: (m) => log.info(m) });
        const out = {
          running: true,
          mode: st.mode,
          uri: st.uri,
          user: st.user,
          dataDir: cfg.local.dataDir,
          startMs: st.startMs ?? 0,
          pid: st.pid ?? null,
        };
        if (o.json) printJson(out);
        else process.stdout.write(`Neo4j running at ${st.uri} (${st.mode}, data in ${cfg.local.dataDir})\n`);
      }, o.json),
  );
  common(cmd.command('stop').description('Stop the local Neo4j cleanly')).action((o: Opts) =>
    run(async () => {
      const cfg = loadGraphConfig({
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        ...(o.port ? { port: o.port } : {}),
      });
      const stopped = await local.stop(cfg.local, { log: (m) => log.info(m) });
      if (o.json) printJson({ stopped });
      else process.stdout.write(stopped ? 'Neo4j stopped\n' : 'Neo4j was not running\n');
    }, o.json),
  );
  common(cmd.command('status').description('Show whether the local Neo4j answers')).action((o: Opts) =>
    run(async () => {
      const cfg = loadGraphConfig({
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        ...(o.port ? { port: o.port } : {}),
      });
      const st = await local.status(cfg.local);
      const out = {
        running: st.running,
        mode: st.state?.mode ?? null,
        uri: st.state?.uri ?? null,
        dataDir: st.dataDir,
        external: cfg.external ? cfg.external.uri : null,
      };
      if (o.json) printJson(out);
      else {
        process.stdout.write(
          st.running
            ? `running at ${out.uri} (${out.mode}), data in ${out.dataDir}\n`
            : `not running (data dir ${out.dataDir})\n`,
        );
        if (cfg.external) process.stdout.write(`NEO4J_URI is set: commands use ${cfg.external.uri}\n`);
      }
      return st.running ? 0 : 1;
    }, o.json),
  );
}
