/**
 * One error type for every layer, with stable codes. The server maps codes to HTTP statuses;
 * the CLI maps them to exit codes (documented in the README): 0 ok, 1 failure, 2 usage or
 * configuration, 3 a new finding at or above --fail-on, 4 bad input file, 5 graph unavailable,
 * 6 collection failed, 7 access denied. Messages never contain secrets or Cypher text.
 */

export const ErrorCodes = {
  CONFIG_INVALID: { http: 500, exit: 2 },
  NEO4J_UNAVAILABLE: { http: 503, exit: 5 },
  NEO4J_PROVISION_FAILED: { http: 503, exit: 5 },
  GRAPH_UNAVAILABLE: { http: 503, exit: 5 },
  SNAPSHOT_INVALID: { http: 400, exit: 4 },
  SNAPSHOT_UNREADABLE: { http: 400, exit: 4 },
  INPUT_UNRECOGNIZED: { http: 400, exit: 4 },
  NORMALIZE_MISSING_ID: { http: 400, exit: 4 },
  POLICY_INVALID: { http: 400, exit: 4 },
  LOAD_FAILED: { http: 500, exit: 5 },
  COLLECT_ACCESS_DENIED: { http: 502, exit: 6 },
  COLLECT_FAILED: { http: 502, exit: 6 },
  QUERY_NOT_FOUND: { http: 404, exit: 2 },
  QUERY_PARAM_INVALID: { http: 400, exit: 2 },
  QUERY_INVALID: { http: 400, exit: 2 },
  QUERY_NOT_READ_ONLY: { http: 400, exit: 2 },
  QUERY_TIMEOUT: { http: 504, exit: 1 },
  QUERY_REGISTRY_INVALID: { http: 500, exit: 2 },
  NOT_FOUND: { http: 404, exit: 2 },
  BAD_REQUEST: { http: 400, exit: 2 },
  UNAUTHORIZED: { http: 401, exit: 7 },
  FORBIDDEN: { http: 403, exit: 7 },
  CONFLICT: { http: 409, exit: 1 },
  RATE_LIMITED: { http: 429, exit: 1 },
  USAGE: { http: 400, exit: 2 },
  ABORTED: { http: 500, exit: 130 },
  INTERNAL: { http: 500, exit: 1 },
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail safe to show (e.g. a list of JSON-path defects). */
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  get httpStatus(): number {
    return ErrorCodes[this.code].http;
  }

  get exitCode(): number {
    return ErrorCodes[this.code].exit;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Message of any thrown value, without stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
