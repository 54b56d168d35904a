/**
 * The Fastify application: plugins (swagger, rate limit, auth, static explorer), the one error
 * handler and every route under /api/v1. `server.ts` owns listening, the graph connection and
 * shutdown; tests build this app directly and call it through `inject`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Graph } from '../cypher/db/graph.js';
import { AppError } from '../cypher/errors.js';
import { loadServerConfig, packageRoot, type ServerConfig } from './config.js';
import { envelope, errorHandler } from './errors.js';
import { JobRegistry } from './jobs.js';
import { adminRoutes } from './routes/admin.js';
import { analysisRoutes } from './routes/analysis.js';
import { graphRoutes } from './routes/graph.js';
import { queryRoutes } from './routes/queries.js';
import { scheduleRoutes } from './routes/schedules.js';
import { systemRoutes } from './routes/system.js';
import type { Scheduler } from './schedules.js';
import { SharedSchemas } from './schemas/common.js';
import { type Principal, type Role, roleAtLeast, TokenVerifier } from './tokens.js';

export type AuthRequirement = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role the route needs, or 'public'. Every /api route must declare it. */
    auth?: AuthRequirement;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every route the app registered, with its auth requirement (drives the auth-matrix test). */
    routeTable: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  auth: AuthRequirement | undefined;
  hidden: boolean;
}

export const API_PREFIX = '/api/v1';

export interface AppContext {
  graph: Graph;
  config: ServerConfig;
  verifier: TokenVerifier;
  jobs: JobRegistry;
  /** Scheduled scans (null when the server runs none). */
  scheduler: Scheduler | null;
  version: string;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface BuildOptions {
  graph: Graph;
  config?: Partial<ServerConfig>;
  /** Fastify logger options (false in tests). */
  logger?: FastifyServerOptions['logger'];
  jobs?: JobRegistry;
  scheduler?: Scheduler | null;
}

export function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
  } catch {
    return '0.0.0';
  }
}

/** Logger settings: request lines without headers (no Authorization), to stderr. */
export function loggerOptions(
  level: string,
  stream: NodeJS.WritableStream = process.stderr,
): FastifyServerOptions['logger'] {
  return {
    level,
    stream,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; id: string; ip?: string }) => ({
        method: req.method,
        url: req.url.length > 300 ? `${req.url.slice(0, 300)}…` : req.url,
        id: req.id,
        ip: req.ip,
      }),
    },
  } as FastifyServerOptions['logger'];
}

export async function buildApp(opts: BuildOptions): Promise<App> {
  const config = loadServerConfig(opts.config);
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: true },
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    ajv: {
      customOptions: { removeAdditional: 'all', coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    return503OnClosing: true,
    // Bad percent-encoding and over-long path parameters: same envelope as every other error.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const ctx: AppContext = {
    graph: opts.graph,
    config,
    verifier: new TokenVerifier(opts.graph),
    jobs: opts.jobs ?? new JobRegistry(),
    scheduler: opts.scheduler ?? null,
    version: packageVersion(),
  };

  for (const s of SharedSchemas) app.addSchema(s);
  app.setErrorHandler(errorHandler);

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  // A route under /api without an auth requirement is a bug: refuse to start.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method: String(method),
        url: route.url,
        auth: route.config?.auth,
        hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide),
      });
    }
    if (route.url.startsWith('/api/') && route.config?.auth === undefined) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no auth requirement`);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const need = req.routeOptions.config?.auth;
    reply.header('x-content-type-options', 'nosniff');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    if (need === 'public') return;
    if (need === undefined && !req.url.startsWith('/api/')) return; // explorer files, /docs
    const header = req.headers.authorization;
    if (!header)
      throw new AppError('UNAUTHORIZED', 'Missing bearer token: send "Authorization: Bearer <token>"');
    const m = /^Bearer +([^\s]+) *$/i.exec(header);
    if (!m) throw new AppError('UNAUTHORIZED', 'The Authorization header must be "Bearer <token>"');
    const principal = await ctx.verifier.verify(m[1]!);
    if (!principal) throw new AppError('UNAUTHORIZED', 'The token is not valid or was revoked');
    req.principal = principal;
    if (need !== undefined && !roleAtLeast(principal.role, need)) {
      throw new AppError(
        'FORBIDDEN',
        `This needs the ${need} role; the token has the ${principal.role} role`,
      );
    }
  });
  // Ajv coerces "1e309" to Infinity and then skips minimum/maximum: refuse non-finite numbers.
  app.addHook('preHandler', async (req) => {
    const parts: [string, unknown][] = [
      ['querystring', req.query],
      ['params', req.params],
      ['body', req.body],
    ];
    for (const [where, obj] of parts) {
      if (!obj || typeof obj !== 'object') continue;
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v === 'number' && !Number.isFinite(v))
          throw new AppError('BAD_REQUEST', `${where}/${k.slice(0, 100)} must be a finite number`);
      }
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="permgraph"');
    return payload;
  });

  if (config.rateLimit > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimit,
      timeWindow: 60_000,
      hook: 'preHandler',
      keyGenerator: (req) => (req.principal ? `t:${req.principal.tokenId}` : `ip:${req.ip}`),
      errorResponseBuilder: (_req, c) => ({
        statusCode: 429,
        code: 'RATE_LIMITED',
        retryAfter: Math.ceil(c.ttl / 1000),
        message: `Rate limit of ${c.max} requests per minute reached; retry in ${Math.ceil(c.ttl / 1000)} s`,
      }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'permgraph API',
        version: ctx.version,
        description:
          'Multi-cloud permissions and attack-path analyzer. Send `Authorization: Bearer <token>`; create the first admin token with `permgraph token create --role admin`. Errors are `{"error":{"code","message","requestId"}}`.',
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'system', description: 'Health, identity, schema, counts' },
        { name: 'graph', description: 'Search, node detail, neighbourhood, paths' },
        { name: 'queries', description: 'Saved queries and read-only Cypher (analyst)' },
        { name: 'findings', description: 'Findings, scans, diffs, PCI' },
        { name: 'admin', description: 'Imports, scans, scheduled scans, API tokens (admin)' },
      ],
    },
    hideUntagged: true,
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      const a = api as unknown as App;
      await systemRoutes(a, ctx);
      await graphRoutes(a, ctx);
      await queryRoutes(a, ctx);
      await analysisRoutes(a, ctx);
      await adminRoutes(a, ctx);
      await scheduleRoutes(a, ctx);
    },
    { prefix: API_PREFIX },
  );
  // Unprefixed health for load balancers and orchestrators.
  await systemRoutes(app, ctx, { healthOnly: true });

  if (config.webDist) {
    await app.register(fastifyStatic, {
      root: config.webDist,
      prefix: '/',
      wildcard: false,
      index: 'index.html',
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const pathOnly = req.url.split('?')[0]!;
    if (
      config.webDist &&
      req.method === 'GET' &&
      !pathOnly.startsWith('/api/') &&
      String(req.headers.accept ?? '').includes('text/html')
    ) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    const shown = pathOnly.length > 200 ? `${pathOnly.slice(0, 200)}…` : pathOnly;
    return reply.code(404).send(envelope(req.id, 'NOT_FOUND', `No route ${req.method} ${shown}`));
  });

  app.addHook('onClose', async () => {
    await ctx.scheduler?.stop(10_000);
    await ctx.jobs.drain(10_000);
  });
  return app;
}
