/**
 * One error handler: every error becomes `{"error":{"code","message","requestId"}}`. Client
 * errors keep their message (AppError messages never hold secrets or Cypher); server errors get
 * a fixed message, and the log gets the error class and code, never a stack, Cypher or a token.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../cypher/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL',
  502: 'UPSTREAM_FAILED',
  503: 'GRAPH_UNAVAILABLE',
  504: 'QUERY_TIMEOUT',
};

const SERVER_MESSAGES: Record<number, string> = {
  500: 'Internal error; the server log has the details under this request id',
  502: 'An upstream service failed',
  503: 'The graph database is unavailable; try again later',
  504: 'The query did not finish in time; narrow it (fewer hops, a lower limit)',
};

const NEO4J_UNAVAILABLE =
  /ServiceUnavailable|SessionExpired|ECONNREFUSED|Pool is closed|driver has already been closed/i;
const NEO4J_TIMEOUT = /TransactionTimedOut|Transaction\.Terminated|TransactionTimedOutClientConfiguration/;

interface Classified {
  status: number;
  code: string;
  message: string;
}

/** Maps any thrown value to a status, code and client-safe message. */
export function classifyError(err: unknown): Classified {
  if (isAppError(err)) {
    const status = err.httpStatus;
    return {
      status,
      code: err.code,
      message: status >= 500 ? (SERVER_MESSAGES[status] ?? SERVER_MESSAGES[500]!) : err.message,
    };
  }
  const e = err as Partial<FastifyError> & { code?: string; name?: string };
  const text = `${e?.code ?? ''} ${e?.name ?? ''} ${e?.message ?? ''}`;
  if (e?.validation) {
    return { status: 400, code: 'BAD_REQUEST', message: e.message ?? 'Invalid request' };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const status = e.statusCode;
    const code =
      typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) && !e.code.startsWith('FST_')
        ? e.code
        : (STATUS_CODES[status] ?? 'BAD_REQUEST');
    return { status, code, message: clientMessage(e) };
  }
  if (NEO4J_TIMEOUT.test(text)) return { status: 504, code: 'QUERY_TIMEOUT', message: SERVER_MESSAGES[504]! };
  if (NEO4J_UNAVAILABLE.test(text))
    return { status: 503, code: 'GRAPH_UNAVAILABLE', message: SERVER_MESSAGES[503]! };
  return { status: 500, code: 'INTERNAL', message: SERVER_MESSAGES[500]! };
}

function clientMessage(e: Partial<FastifyError>): string {
  const m = String(e.message ?? 'Bad request');
  // JSON parse errors quote a slice of the body; keep messages short and on one line.
  return m.split('\n')[0]!.slice(0, 300);
}

/** One line for the log: class and code, first message line cut short (no Cypher, no stack). */
export function logSafe(err: unknown): { type: string; code?: string; message: string } {
  const e = err as { name?: string; code?: unknown; message?: unknown };
  const first = String(e?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
  return {
    type: String(e?.name ?? typeof err),
    ...(e?.code !== undefined ? { code: String(e.code) } : {}),
    message: isAppError(err) ? first : first.replace(/(["'`]).*\1/g, '$1…$1'),
  };
}

export function envelope(requestId: string, code: string, message: string): ErrorBody {
  return { error: { code, message, requestId } };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const c = classifyError(err);
  if (c.status >= 500) request.log.error({ err: logSafe(err) }, 'request failed');
  else request.log.info({ code: c.code, status: c.status }, 'request rejected');
  if (reply.raw.headersSent) return;
  if (c.status === 429) {
    const retry = (err as { retryAfter?: unknown })?.retryAfter;
    if (retry !== undefined) reply.header('retry-after', String(retry));
  }
  void reply
    .code(c.status)
    .type('application/json; charset=utf-8')
    .send(envelope(request.id, c.code, c.message));
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', what);
}
