/** Search, node detail, neighbourhood and paths. */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../cypher/errors.js';
import { EdgeSets, isEdgeSetName } from '../../cypher/schema/index.js';
import { pathsModule } from '../analyses.js';
import type { App, AppContext } from '../app.js';
import { neighbours, nodeDetail, searchNodes } from '../graph-repo.js';
import {
  EDGE_TYPE_LIST_PATTERN,
  EdgeSetEnum,
  Finding,
  GraphElements,
  KindEnum,
  Limit,
  Nullable,
  Offset,
  Paged,
  ProviderEnum,
  responses,
  StringEnum,
} from '../schemas/common.js';

const NodeId = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Node id (ARN, object id, member...), URL-encoded',
});

const NodeSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  provider: Type.String(),
  account: Nullable(Type.String()),
  tierZero: Type.Boolean(),
  pci: Nullable(Type.Number()),
});

const NodeDetail = Type.Object({
  node: Type.Object({
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    provider: Type.String(),
    account: Nullable(Type.String()),
    tierZero: Type.Boolean(),
    tierZeroReason: Nullable(Type.String()),
    pci: Nullable(Type.Number()),
    pciLevel: Nullable(Type.String()),
    properties: Type.Record(Type.String(), Type.Unknown(), { description: 'Every other stored property' }),
  }),
  access: Type.Object(
    {
      granted: Type.Integer({ description: 'Actions granted (sum over services)' }),
      used: Type.Integer({ description: 'Granted actions with reported use' }),
      unused: Type.Integer({ description: 'granted - used; 0 when usage is not known' }),
      highRiskGranted: Type.Integer(),
      highRiskUnused: Type.Integer(),
      usageKnown: Type.Boolean({ description: 'Whether the cloud reports usage for this principal' }),
      services: Type.Array(
        Type.Object({
          service: Type.String(),
          actionCount: Type.Integer(),
          highRiskCount: Type.Integer(),
          usedCount: Type.Integer(),
          lastUsed: Nullable(Type.String()),
        }),
      ),
    },
    { description: 'Granted vs used, from the CAN_ACCESS edges of the node' },
  ),
  findings: Type.Array(Type.Ref(Finding)),
  degree: Type.Object({ in: Type.Integer(), out: Type.Integer() }),
});

const Hop = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    type: Type.String(),
    technique: Type.Optional(Type.String()),
    reason: Type.String(),
    grantedBy: Type.Optional(Type.Unknown()),
    conditional: Type.Boolean(),
  },
  { additionalProperties: true },
);

const PathsResult = Type.Object({
  paths: Type.Array(
    Type.Object({ length: Type.Integer(), nodes: Type.Array(Type.String()), hops: Type.Array(Hop) }),
  ),
  elements: Type.Ref(GraphElements),
  ms: Type.Number(),
});

export async function graphRoutes(app: App, ctx: AppContext): Promise<void> {
  const timeoutMs = ctx.config.queryTimeoutMs;

  app.get(
    '/nodes',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['graph'],
        summary: 'Search nodes by name or id prefix (case-sensitive), with kind and provider filters',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 2048, description: 'Prefix of the name or the id' })),
          kind: Type.Optional(KindEnum),
          provider: Type.Optional(ProviderEnum),
          limit: Type.Optional(Limit(50, 500)),
          offset: Type.Optional(Offset),
        }),
        response: responses({ 200: Paged(NodeSummary, 'Matching nodes ordered by name') }),
      },
    },
    async (req) => {
      const { q, kind, provider } = req.query;
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const r = await searchNodes(ctx.graph, {
        ...(q !== undefined ? { q } : {}),
        ...(kind !== undefined ? { kind } : {}),
        ...(provider !== undefined ? { provider } : {}),
        limit,
        offset,
        timeoutMs,
      });
      return { ...r, limit, offset };
    },
  );

  app.get(
    '/nodes/:id',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['graph'],
        summary: 'Node detail: properties, granted vs used, PCI, findings that touch it',
        params: Type.Object({ id: NodeId }),
        response: responses({ 200: NodeDetail }),
      },
    },
    async (req) => nodeDetail(ctx.graph, req.params.id, timeoutMs),
  );

  app.get(
    '/nodes/:id/neighbours',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['graph'],
        summary: 'Neighbourhood subgraph in Cytoscape elements JSON',
        params: Type.Object({ id: NodeId }),
        querystring: Type.Object({
          depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, default: 1 })),
          types: Type.Optional(
            Type.String({
              pattern: EDGE_TYPE_LIST_PATTERN,
              maxLength: 4096,
              description: 'Comma-separated relationship types (schema names); all when absent',
            }),
          ),
          direction: Type.Optional(StringEnum(['out', 'in', 'both'] as const, { default: 'both' })),
          limit: Type.Optional(Limit(200, 2000)),
        }),
        response: responses({
          200: Type.Object({
            elements: Type.Ref(GraphElements),
            truncated: Type.Boolean({ description: 'More nodes or edges than the limit' }),
            countsByType: Type.Record(Type.String(), Type.Integer(), {
              description:
                'Relationships of each type at the centre node (in the chosen direction, all types)',
            }),
          }),
        }),
      },
    },
    async (req) =>
      neighbours(ctx.graph, req.params.id, {
        depth: req.query.depth ?? 1,
        types: req.query.types ? req.query.types.split(',') : [],
        direction: req.query.direction ?? 'both',
        limit: req.query.limit ?? 200,
        timeoutMs,
      }),
  );

  app.get(
    '/paths',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['graph'],
        summary: 'Attack paths from a node to a node or to tier zero, every hop explained',
        querystring: Type.Object({
          from: NodeId,
          to: Type.Optional(NodeId),
          toTierZero: Type.Optional(
            Type.Boolean({ description: 'Paths to any tier-zero node (when no `to`)' }),
          ),
          maxHops: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, default: 8 })),
          edgeSet: Type.Optional(EdgeSetEnum),
          limit: Type.Optional(Limit(25, 200)),
        }),
        response: responses({ 200: PathsResult }),
      },
    },
    async (req) => {
      const q = req.query;
      if (q.to === undefined && q.toTierZero !== true) {
        throw new AppError('BAD_REQUEST', 'querystring: give `to` (a node id) or `toTierZero=true`');
      }
      const edgeSet = q.edgeSet ?? 'TRAVERSABLE';
      if (!isEdgeSetName(edgeSet))
        throw new AppError('BAD_REQUEST', `edgeSet: unknown edge set "${edgeSet}"`);
      const { findPaths } = await pathsModule();
      return findPaths(ctx.graph, {
        from: q.from,
        ...(q.to !== undefined ? { to: q.to } : { toTierZero: true }),
        maxHops: q.maxHops ?? 8,
        edgeTypes: [...EdgeSets[edgeSet]],
        limit: q.limit ?? 25,
      });
    },
  );
}
