/** Health (public), identity, graph schema and counts. */
import { Type } from '@sinclair/typebox';
import type { App, AppContext } from '../app.js';
import { schemaDocument, statsDocument } from '../graph-repo.js';
import { responses } from '../schemas/common.js';

const Health = Type.Object(
  {
    status: Type.Unsafe<'ok' | 'degraded'>({ type: 'string', enum: ['ok', 'degraded'] }),
    neo4j: Type.Boolean({ description: 'Neo4j answered a query within 3 s' }),
    version: Type.String(),
  },
  { description: 'Readiness: 200 when Neo4j answers, 503 (same body) when it does not' },
);

const Count = Type.Record(Type.String(), Type.Integer());

async function neo4jAnswers(ctx: AppContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ok = await Promise.race([
      ctx.graph.read('RETURN 1 AS ok', {}, { timeoutMs: 3000 }).then((r) => Number(r[0]?.ok) === 1),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 3000);
      }),
    ]);
    return ok;
  } catch {
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export async function systemRoutes(
  app: App,
  ctx: AppContext,
  opts: { healthOnly?: boolean } = {},
): Promise<void> {
  app.get(
    '/health',
    {
      config: { auth: 'public' },
      schema: {
        tags: opts.healthOnly ? [] : ['system'],
        hide: opts.healthOnly === true,
        summary: 'Readiness: whether the API and Neo4j answer',
        security: [],
        response: responses({ 200: Health, 503: Health }, { public: true }),
      },
    },
    async (_req, reply) => {
      const neo4j = await neo4jAnswers(ctx);
      reply.code(neo4j ? 200 : 503);
      return { status: neo4j ? ('ok' as const) : ('degraded' as const), neo4j, version: ctx.version };
    },
  );
  if (opts.healthOnly) return;

  app.get(
    '/me',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['system'],
        summary: 'The role, id and name of the calling token',
        response: responses({
          200: Type.Object({ role: Type.String(), tokenId: Type.String(), name: Type.String() }),
        }),
      },
    },
    async (req) => ({
      role: req.principal!.role,
      tokenId: req.principal!.tokenId,
      name: req.principal!.name,
    }),
  );

  const schemaDoc = schemaDocument();
  app.get(
    '/schema',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['system'],
        summary: 'Node kinds, relationship types and edge sets of the graph schema',
        response: responses({
          200: Type.Object({
            kinds: Type.Array(
              Type.Object({
                kind: Type.String(),
                provider: Type.String(),
                labels: Type.Array(Type.String()),
                description: Type.String(),
              }),
            ),
            edges: Type.Array(
              Type.Object({
                type: Type.String(),
                provider: Type.String(),
                category: Type.String(),
                derived: Type.Boolean(),
                traversable: Type.Boolean(),
                description: Type.String(),
                techniques: Type.Array(Type.String()),
              }),
            ),
            edgeSets: Type.Record(Type.String(), Type.Array(Type.String())),
          }),
        }),
      },
    },
    async () => schemaDoc,
  );

  app.get(
    '/stats',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['system'],
        summary: 'Counts per node kind, ontology label, relationship type and provider; scope states',
        response: responses({
          200: Type.Object({
            kinds: Count,
            ontology: Count,
            edges: Count,
            providers: Count,
            totals: Type.Object({ nodes: Type.Integer(), relationships: Type.Integer() }),
            scopes: Type.Array(
              Type.Object({
                id: Type.String(),
                lastCompleteScan: Type.Union([Type.String(), Type.Null()]),
                lastCompleteAt: Type.Union([Type.String(), Type.Null()]),
                stale: Type.Boolean(),
                staleReason: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
        }),
      },
    },
    async () => statsDocument(ctx.graph),
  );
}
