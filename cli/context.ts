/** Shared CLI plumbing: graph connection, error reporting, exit codes. */
import { type ConnectOptions, connectGraph, type Graph } from '../cypher/db/graph.js';
import { AppError, errorMessage, isAppError } from '../cypher/errors.js';
import { log } from './ui.js';

/** Exit codes scripts can rely on (also in the README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** A new finding at or above --fail-on. */
  failOn: 3,
  badInput: 4,
  graphUnavailable: 5,
  collectFailed: 6,
  accessDenied: 7,
} as const;

export interface GlobalOpts {
  json?: boolean;
  dataDir?: string;
  port?: number;
}

export async function withGraph<T>(opts: ConnectOptions, fn: (graph: Graph) => Promise<T>): Promise<T> {
  const graph = await connectGraph({ log: (m) => log.info(m), ...opts });
  try {
    return await fn(graph);
  } finally {
    await graph.close();
  }
}

/** Prints an error (JSON envelope with --json) and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const code = isAppError(err) ? err.code : 'INTERNAL';
  const message = isAppError(err) ? err.message : `Unexpected error: ${errorMessage(err)}`;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code, message, ...(isAppError(err) && err.details ? { details: err.details } : {}) } }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`permgraph: ${message}\n`);
    if (!isAppError(err) && process.env.PERMGRAPH_DEBUG && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
  }
  return isAppError(err) ? err.exitCode : ExitCode.failure;
}

export function usageError(message: string): AppError {
  return new AppError('USAGE', message);
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65535)
    throw usageError(`--port ${value}: expected a port between 1024 and 65535`);
  return n;
}
