/** Saved queries (list, detail, run) and ad-hoc read-only Cypher, both through the guard. */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../cypher/errors.js';
import {
  guardModule,
  type QueryRegistry,
  registryModule,
  type SavedQuery,
  savedModule,
} from '../analyses.js';
import type { App, AppContext } from '../app.js';
import { Limit, Offset, Paged, QueryResult, responses } from '../schemas/common.js';
import { roleAtLeast } from '../tokens.js';

const QueryParamSchema = Type.Object(
  {
    name: Type.String(),
    type: Type.String({ description: 'string, int, float, bool or string[]' }),
    default: Type.Optional(Type.Unknown()),
    description: Type.String(),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const SavedQuerySchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    category: Type.String(),
    severity: Type.String(),
    description: Type.String(),
    params: Type.Array(QueryParamSchema),
    result: Type.String({ description: 'graph or table' }),
    references: Type.Array(Type.String()),
    providers: Type.Array(Type.String()),
    cypher: Type.Optional(Type.String({ description: 'Query text (analyst and admin only)' })),
    engine: Type.Optional(
      Type.String({
        description:
          'Built-in engine that answers the query (a bounded search run by the server); the Cypher gives its meaning',
      }),
    ),
  },
  { $id: 'SavedQuery' },
);

const QueryIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, description: 'Saved query id' }),
});

function publicQuery(q: SavedQuery, withCypher: boolean) {
  const { cypher, file: _file, ...rest } = q;
  return withCypher ? { ...rest, cypher } : rest;
}

export async function queryRoutes(app: App, ctx: AppContext): Promise<void> {
  app.addSchema(SavedQuerySchema);
  let registry: Promise<QueryRegistry> | undefined;
  const getRegistry = (): Promise<QueryRegistry> => {
    if (!registry) {
      registry = registryModule().then((m) => m.loadRegistry());
      registry.catch(() => {
        registry = undefined;
      });
    }
    return registry;
  };
  const find = async (id: string): Promise<[QueryRegistry, SavedQuery]> => {
    const reg = await getRegistry();
    const q = reg.get(id);
    if (!q) throw new AppError('QUERY_NOT_FOUND', `No saved query "${id.slice(0, 200)}"`);
    return [reg, q];
  };
  const guardOpts = { timeoutMs: ctx.config.queryTimeoutMs, rowLimit: ctx.config.rowLimit };

  app.get(
    '/queries',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['queries'],
        summary: 'Saved queries (without their Cypher)',
        querystring: Type.Object({ limit: Type.Optional(Limit(500, 1000)), offset: Type.Optional(Offset) }),
        response: responses({ 200: Paged(Type.Ref(SavedQuerySchema), 'Saved queries by category and id') }),
      },
    },
    async (req) => {
      const reg = await getRegistry();
      const all = reg.list();
      const limit = req.query.limit ?? 500;
      const offset = req.query.offset ?? 0;
      return {
        items: all.slice(offset, offset + limit).map((q) => publicQuery(q, false)),
        total: all.length,
        limit,
        offset,
      };
    },
  );

  app.get(
    '/queries/:id',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['queries'],
        summary: 'One saved query; its Cypher is included for analyst and admin tokens',
        params: QueryIdParams,
        response: responses({ 200: Type.Ref(SavedQuerySchema) }),
      },
    },
    async (req) => {
      const [, q] = await find(req.params.id);
      return publicQuery(q, roleAtLeast(req.principal!.role, 'analyst'));
    },
  );

  app.post(
    '/queries/:id/run',
    {
      config: { auth: 'analyst' },
      schema: {
        tags: ['queries'],
        summary: 'Run a saved query; parameters are checked against its header',
        params: QueryIdParams,
        body: Type.Object({
          params: Type.Optional(
            Type.Record(Type.String(), Type.Unknown(), { description: 'Values for the query parameters' }),
          ),
        }),
        response: responses({ 200: Type.Ref(QueryResult) }, { body: true }),
      },
    },
    async (req) => {
      const [reg, q] = await find(req.params.id);
      const values = reg.validateParams(q, { ...(req.body?.params ?? {}) });
      const { runSavedQuery } = await savedModule();
      return runSavedQuery(ctx.graph, q, values, guardOpts);
    },
  );

  app.post(
    '/cypher',
    {
      config: { auth: 'analyst' },
      schema: {
        tags: ['queries'],
        summary: 'Run read-only Cypher (write clauses and unlisted procedures are refused)',
        body: Type.Object({
          query: Type.String({ minLength: 1, maxLength: 20_000 }),
          params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: responses({ 200: Type.Ref(QueryResult) }, { body: true }),
      },
    },
    async (req) => {
      if (req.body.query.trim() === '') throw new AppError('BAD_REQUEST', 'body/query: the query is empty');
      const { runGuarded } = await guardModule();
      return runGuarded(ctx.graph, req.body.query, { ...(req.body.params ?? {}) }, guardOpts);
    },
  );
}
