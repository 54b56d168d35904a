#!/usr/bin/env node
/** The permgraph command: thin; it calls the pipeline, the server and the query registry. */
import { Command, CommanderError } from 'commander';
import { registerAnalyze } from './commands/analyze.js';
import { registerCollect } from './commands/collect.js';
import { registerDemo } from './commands/demo.js';
import { registerFindings } from './commands/findings.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerNeo4j } from './commands/neo4j.js';
import { registerPaths } from './commands/paths.js';
import { registerQuery } from './commands/query.js';
import { registerReset } from './commands/reset.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerStats } from './commands/stats.js';
import { registerToken } from './commands/token.js';
import { ExitCode, reportError } from './context.js';
import './providers.js';

const VERSION = '0.1.0';

async function run(fn: () => Promise<number | void>, json?: boolean): Promise<void> {
  try {
    const code = await fn();
    process.exitCode = typeof code === 'number' ? code : ExitCode.ok;
  } catch (err) {
    process.exitCode = reportError(err, Boolean(json));
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('permgraph')
    .description(
      'Multi-cloud permissions and attack-path analyzer. Without NEO4J_URI it runs a local Neo4j itself.',
    )
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program, run);
  registerNeo4j(program, run);
  registerImport(program, run);
  registerCollect(program, run);
  registerStats(program, run);
  registerAnalyze(program, run);
  registerReset(program, run);
  registerPaths(program, run);
  registerQuery(program, run);
  registerFindings(program, run);
  registerScan(program, run);
  registerServe(program, run);
  registerToken(program, run);
  registerGenerate(program, run);
  return program;
}

async function main(): Promise<void> {
  // `permgraph ... | head` closes the pipe early: stop quietly instead of crashing.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
          ? 0
          : ExitCode.usage;
      return;
    }
    process.exitCode = reportError(err, process.argv.includes('--json'));
  }
}

await main();
