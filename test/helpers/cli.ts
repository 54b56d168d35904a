import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve('bin/permgraph.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built permgraph CLI (npm test builds first). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env,
    encoding: 'utf8',
    input,
    timeout: 600_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
